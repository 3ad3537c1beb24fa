"""Command line: ``policy-pipeline run | models``."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from .errors import Errors

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)

EXIT_OK, EXIT_DOC_ERRORS, EXIT_USAGE = 0, 1, 2


@app.command()
def models(
    save: Annotated[Path | None, typer.Option(help="Also save the whole pipeline here (nlp.to_disk).")] = None,
) -> None:
    """Download, verify and convert the pkuseg model (once); optionally save the pipeline."""
    from .language import build
    from .models import ensure_pkuseg_model, licence_note

    path = ensure_pkuseg_model()
    licence_note(path)
    typer.echo(f"pkuseg model: {path}")
    if save:
        build().to_disk(save)
        typer.echo(f"pipeline saved to {save}")


@app.command()
def run(
    inputs: Annotated[list[Path], typer.Argument(help="Files or folders of .txt files.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="A .jsonl file, or a folder.")],
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    model: Annotated[Path | None, typer.Option(help="A saved pipeline directory.")] = None,
    allow_output_in_input: bool = False,
    quiet: Annotated[bool, typer.Option(help="No summary on the terminal.")] = False,
) -> None:
    """Tag every sentence and entity of the input documents."""
    from tqdm import tqdm

    from .batch import process_paths
    from .readers import iter_paths
    from .summary import RunSummary

    try:
        paths = list(iter_paths(inputs))
    except FileNotFoundError as err:
        typer.echo(str(err), err=True)
        raise typer.Exit(EXIT_USAGE) from None
    if not paths:
        typer.echo(Errors.E010.format(paths=", ".join(map(str, inputs))), err=True)
        raise typer.Exit(EXIT_USAGE)
    out_resolved = output.resolve()
    for item in inputs:
        if item.is_dir() and item.resolve() in (out_resolved, *out_resolved.parents) and not allow_output_in_input:
            typer.echo(Errors.E011.format(path=output), err=True)
            raise typer.Exit(EXIT_USAGE)
    to_folder = output.suffix.lower() != ".jsonl"
    if to_folder:
        output.mkdir(parents=True, exist_ok=True)
        summary_path = output / "summary.json"
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        summary_path = output.with_suffix(".summary.json")
    load_kwargs = {"path": str(model)} if model else {}
    summary = RunSummary()
    started = time.perf_counter()
    records = process_paths(paths, workers=workers, load_kwargs=load_kwargs)
    progress = tqdm(total=len(paths), unit="doc", disable=None, file=sys.stderr)
    tmp = output.with_name(output.name + ".part") if not to_folder else None
    seen: set[str] = set()
    with open(tmp, "w", encoding="utf-8") if tmp else _null() as sink:
        for record in records:
            summary.add(record)
            line = json.dumps(record, ensure_ascii=False)
            if sink is not None:
                sink.write(line + "\n")
            else:
                name = record["doc_id"]
                while name in seen:
                    name += "_"
                seen.add(name)
                (output / f"{name}.json").write_text(line + "\n", encoding="utf-8")
            progress.update(1)
            progress.set_postfix(chars=summary.characters)
    progress.close()
    if tmp:
        tmp.replace(output)
    seconds = time.perf_counter() - started
    summary_path.write_text(json.dumps(summary.as_dict(seconds), ensure_ascii=False, indent=1), encoding="utf-8")
    if not quiet:
        typer.echo(summary.render(seconds))
        typer.echo(f"\nOutput: {output}   summary: {summary_path}")
    raise typer.Exit(EXIT_DOC_ERRORS if summary.errors else EXIT_OK)


class _null:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
