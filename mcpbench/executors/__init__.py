"""Executors: where a run's episodes execute. The local executor lives in mcpbench.runner (anyio task groups with
capacity limiters); `ray_executor.run_on_ray` ships shards of episodes to Ray workers (optional extra `ray`)."""

from mcpbench.executors.shard import (
                                      EpisodeResult,
                                      ShardEpisode,
                                      ShardPlan,
                                      ShardResult,
                                      execute_shard,
                                      make_shard,
                                      run_shard,
                                      split_into_shards,
)

__all__ = ["EpisodeResult", "ShardEpisode", "ShardPlan", "ShardResult", "execute_shard", "make_shard", "run_shard",
           "split_into_shards"]
