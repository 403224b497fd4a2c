"""`mcpbench splits secret | add | list | reveal`: private splits made from a secret seed, and the public registry."""

from __future__ import annotations

from pathlib import Path

import typer

from mcpbench.cli.common import JsonOpt, console, fail, print_json

splits_app = typer.Typer(help="Private splits by secret seed, and the splits registry that leaderboards and verify "
                              "read (docs/leaderboard.md, 'Private splits').", no_args_is_help=True)

RegistryOpt = typer.Option(..., "--registry", "-r", help="The public splits registry (JSON), created when missing.")


@splits_app.command("secret")
def secret_cmd(path: Path = typer.Argument(..., help="Where to write the new secret (mode 0600; never overwritten).")
               ) -> None:
    """Create a 256-bit secret for a private split; keep it private (`mcpbench synth --secret-file FILE`)."""
    from mcpbench.splits import SplitError, seed_commitment, write_secret

    try:
        secret = write_secret(path)
    except SplitError as e:
        fail(str(e))
        return
    console.print(f"secret written to {path} (mode 0600). Its public commitment: {seed_commitment(secret)}",
                  highlight=False, soft_wrap=True)


@splits_app.command("add")
def add_cmd(suite: Path = typer.Argument(..., help="The suite (JSONL) to register."),
            name: str = typer.Option(..., "--name", help="The split's name, e.g. private-2026q4."),
            registry: Path = RegistryOpt,
            secret_file: Path | None = typer.Option(None, "--secret-file", help="The secret the suite was synthesized "
                                                     "with: registers a private split (its sha256 and the secret's "
                                                     "commitment, never the tasks). Without it: a public split."),
            note: str = typer.Option("", "--note"),
            json_out: bool = JsonOpt) -> None:
    """Register a suite in the splits registry by its sha256 (publish the registry, not a private suite)."""
    from mcpbench.splits import SplitError, SplitRegistry, private_record, public_record, read_secret

    try:
        reg = SplitRegistry.load(registry)
        record = (private_record(suite, name, read_secret(secret_file), note=note) if secret_file
                  else public_record(suite, name, note=note))
        reg.add(record)
        reg.save(registry)
    except (SplitError, OSError, ValueError) as e:
        fail(str(e).splitlines()[0])
        return
    if json_out:
        print_json(record.model_dump(mode="json", exclude_none=True))
    else:
        console.print(f"{record.kind} split {record.name!r}: suite sha256 {record.suite_sha256}, {record.tasks} tasks "
                      f"→ {registry}", highlight=False, soft_wrap=True)


@splits_app.command("list")
def list_cmd(registry: Path = RegistryOpt, json_out: bool = JsonOpt) -> None:
    """The registered splits (and the suites shipped with mcpbench, which are public)."""
    from mcpbench.splits import SplitError, SplitRegistry, shipped_splits

    try:
        reg = SplitRegistry.load(registry)
    except SplitError as e:
        fail(str(e))
        return
    shipped = shipped_splits()
    if json_out:
        print_json({"registry": reg.model_dump(mode="json", exclude_none=True), "shipped": shipped})
        return
    for r in reg.splits:
        revealed = " (secret revealed)" if r.revealed_secret else ""
        console.print(f"{r.kind:8} {r.name:24} {r.suite_sha256}  {r.tasks} tasks{revealed}", highlight=False)
    for sha, n in sorted(shipped.items(), key=lambda x: x[1]):
        console.print(f"{'public':8} {n:24} {sha}  (shipped with mcpbench)", highlight=False)


@splits_app.command("reveal")
def reveal_cmd(name: str = typer.Argument(..., help="The retired private split."),
               secret_file: Path = typer.Option(..., "--secret-file"),
               registry: Path = RegistryOpt) -> None:
    """Publish a retired private split's secret in the registry, after checking it against the commitment."""
    from mcpbench.splits import SplitError, SplitRegistry, read_secret, reveal

    try:
        reg = SplitRegistry.load(registry)
        record = reveal(reg, name, read_secret(secret_file))
        reg.save(registry)
    except SplitError as e:
        fail(str(e))
        return
    console.print(f"split {name!r}: the secret matches its commitment and is now in {registry}; anyone can "
                  f"re-synthesize the suite and check its sha256 {record.suite_sha256}", highlight=False,
                  soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.add_typer(splits_app, name="splits")
