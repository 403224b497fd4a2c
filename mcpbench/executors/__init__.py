"""Executors: where a run's episodes execute. `base` holds what they share (RunOptions, EpisodePlan, EpisodeOutcome,
execute_episode); `local.run_local` runs episodes on this event loop (anyio task groups with capacity limiters);
`process_executor.run_on_processes` on worker processes of this machine; `ray_executor.run_on_ray` ships shards of
episodes to Ray workers (optional extra `ray`). The runner imports the executors, never the other way round."""

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
