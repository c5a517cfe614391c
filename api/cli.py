"""The ``sportel`` command line. Thin: parse, call the floor below, print. Library code never prints."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from api.audit_cli import audit_app
from pipeline.errors import SportelError
from pipeline.settings import Settings, load_settings

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Sportel: scan, read, classify, "
                  "redact and sign documents for a municipal one-stop shop.")
app.add_typer(audit_app, name="audit")
console = Console(width=None if sys.stdout.isatty() else 140)
err_console = Console(stderr=True)


def _settings(home: Path | None) -> Settings:
    return load_settings(**({"home": home} if home is not None else {}))


HomeOption = Annotated[Path | None, typer.Option("--home", help="Folder for the embedded default (SQLite, "
                                                 "blobs, demo keys). Default: $SPORTEL_HOME or ./var")]


@app.command()
def process(
    inputs: Annotated[list[Path], typer.Argument(help="Files (PDF, TIFF, PNG, JPEG) or folders")],
    service: Annotated[str, typer.Option("--service", help="Service id from the catalog")],
    out: Annotated[Path, typer.Option("--out", help="Folder for manifest.json and the outputs")],
    case: Annotated[str | None, typer.Option("--case", help="Case id (a new one if not given)")] = None,
    home: HomeOption = None,
    warm_up: Annotated[list[Path] | None, typer.Option(
        "--warm-up", hidden=True, help="Files run first as a batch of their own, unmeasured (sportel bench)")] = None,
    timings: Annotated[Path | None, typer.Option(
        "--timings", hidden=True, help="JSON file for the batch's wall and CPU seconds (sportel bench)")] = None,
) -> None:
    """Run the whole pipeline on a batch and write the outputs and manifest.json."""
    from workers.local import expand_inputs, run_batch
    from workers.manifest import export_batch

    settings = _settings(home)
    files = expand_inputs(inputs)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=False) as bar:
        pages = bar.add_task("pages", total=None)
        documents = bar.add_task("documents", total=None)

        def on_progress(p: object) -> None:
            from workers.local import Progress as RunProgress

            assert isinstance(p, RunProgress)
            bar.update(pages, completed=p.pages_done, total=p.pages_total or None)
            bar.update(documents, completed=p.documents_done, total=p.documents_total or None)

        result = run_batch(settings, files, service_id=service, case_id=case, on_progress=on_progress,
                           warm_up=expand_inputs(warm_up) if warm_up else ())
    if timings is not None:
        timings.write_text(json.dumps({"seconds": result.seconds, "batch_seconds": result.batch_seconds,
                                       "batch_cpu_seconds": result.batch_cpu_seconds,
                                       "batch_id": result.batch_id}), encoding="utf-8")
    manifest = export_batch(settings, result.batch_id, out)
    _print_summary(manifest, out)


def _print_summary(manifest: object, out: Path) -> None:
    from pipeline.manifest import Manifest

    assert isinstance(manifest, Manifest)
    table = Table(title=f"Case {manifest.case_id} · service {manifest.service_id}")
    for column in ("document", "type", "confidence", "pages", "PII", "redaction", "signature", "status"):
        table.add_column(column)
    for doc in manifest.documents:
        table.add_row(
            doc.id[:8], doc.type or "-", f"{doc.confidence:.2f}" if doc.confidence is not None else "-",
            f"{doc.page_range[0]}-{doc.page_range[1]}", str(len(doc.pii)),
            {True: "verified", False: "REVIEW", None: "-"}[doc.redaction_verified],
            "valid" if doc.signature and doc.signature.valid else "-", doc.status,
        )
    console.print(table)
    checklist = Table(title="Checklist")
    for column in ("required document", "status", "documents"):
        checklist.add_column(column)
    styles = {"present": "green", "missing": "red", "uncertain": "yellow"}
    for item in manifest.checklist:
        checklist.add_row(item.document_type, f"[{styles[item.status]}]{item.status}[/]",
                          ", ".join(d[:8] for d in item.document_ids))
    for doc_id in manifest.extra_document_ids:
        doc_type = next((d.type for d in manifest.documents if d.id == doc_id), None)
        checklist.add_row(f"(extra) {doc_type}", "extra", doc_id[:8])
    console.print(checklist)
    for error in manifest.page_errors:
        console.print(f"[red]page not read[/]: {error.input_file} page {error.source_index + 1}: {error.error_code}")
    console.print(f"Outputs: {out.resolve()}  (manifest: {(out / 'manifest.json').resolve()})")


@app.command()
def samples(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the corpus to")],
    count: Annotated[int, typer.Option("--count", min=1)] = 12,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    unseen_layout: Annotated[bool, typer.Option("--unseen-layout", help="A layout family never used in "
                                                "training")] = False,
    service: Annotated[str, typer.Option("--service", help="Service the batch is for")] = "blq_strehim_invalidet",
) -> None:
    """Generate realistic synthetic scans with ground truth (demo data, fixtures, benchmark corpus)."""
    from benchmarks.samples.generate import generate_corpus
    from pipeline.catalog import load_catalog

    catalog = load_catalog()
    target = catalog.service(service)
    required = [t for entry in target.required_documents for t in entry.document_types[:1]]
    corpus = generate_corpus(out, count=count, seed=seed, unseen_layout=unseen_layout,
                             service_required_types=required, service_id=service)
    console.print(f"{len(corpus.documents)} documents and {len(corpus.batches)} batches in {out.resolve()}")


@app.command()
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    home: HomeOption = None,
) -> None:
    """Serve the API and the officers' review pages."""
    import uvicorn

    from api.app import create_app

    uvicorn.run(create_app(_settings(home)), host=host, port=port, log_level="info")


@app.command()
def worker(
    processes: Annotated[int, typer.Option(min=1)] = os.cpu_count() or 1,
    threads: Annotated[int, typer.Option(min=1)] = 1,
    queues: Annotated[list[str] | None, typer.Option("--queue", help="Only these queues (intake, pages, "
                                                      "documents)")] = None,
) -> None:
    """Run production workers over Redis or RabbitMQ (settings from SPORTEL_* variables)."""
    from dramatiq.cli import main as dramatiq_main

    settings = load_settings()
    if settings.broker == "stub":
        err_console.print("sportel worker needs SPORTEL_BROKER=redis or rabbitmq; the stub broker runs "
                          "in-process with `sportel process`.")
        raise typer.Exit(2)
    argv = ["dramatiq", "workers.bootstrap:setup", "--processes", str(processes), "--threads", str(threads)]
    if queues:
        argv += ["--queues", *queues]
    sys.argv = argv
    raise typer.Exit(dramatiq_main())  # type: ignore[no-untyped-call]


@app.command()
def coversheet(
    case: Annotated[str, typer.Option("--case", help="Case id")],
    service: Annotated[str, typer.Option("--service", help="Service id from the catalog")],
    out: Annotated[Path, typer.Option("--out", help="PDF file to write")] = Path("coversheet.pdf"),
    separators: Annotated[int, typer.Option("--separators", min=0, help="Separator sheets to append")] = 0,
) -> None:
    """Print a cover sheet (QR with case and service) and optional separator sheets as one PDF."""
    from PIL import Image

    from pipeline.catalog import load_catalog
    from stages.sheets import render_cover_sheet, render_separator_sheet

    target = load_catalog().service(service)
    dpi = 150
    images = [render_cover_sheet(case, service, dpi=dpi, label=target.id)]
    images += [render_separator_sheet(dpi=dpi) for _ in range(separators)]
    pages = [Image.fromarray(image) for image in images]
    pages[0].save(out, format="PDF", resolution=dpi, save_all=True, append_images=pages[1:])
    console.print(f"cover sheet for case {case} written to {out}")


@app.command()
def verify(
    files: Annotated[list[Path], typer.Argument(help="Signed PDF files")],
    trust: Annotated[list[Path] | None, typer.Option("--trust", help="Trusted root certificates (PEM/DER)")] = None,
    home: HomeOption = None,
) -> None:
    """Validate every signature of each PDF with pyHanko (incl. modification analysis), in plain words."""
    from stages.sign import signer_config_from_settings, validate_pdf

    # The roots the settings trust (SPORTEL_SIGN_TRUST_ROOTS, and the demo root with the demo key), as the
    # API's validation does, unless given here.
    roots = list(trust or signer_config_from_settings(_settings(home)).trust_roots)
    failed = False
    for path in files:
        reports = validate_pdf(path.read_bytes(), trust_roots=roots)
        if not reports:
            console.print(f"{path}: [yellow]no signatures[/]")
            failed = True
        for report in reports:
            ok = report.valid and report.intact and report.trusted
            failed = failed or not ok
            mark = "[green]valid[/]" if ok else "[red]NOT valid[/]"
            console.print(f"{path}: {mark} · {report.summary}")
    raise typer.Exit(1 if failed else 0)


@app.command()
def bench(
    samples_dir: Annotated[Path, typer.Option("--samples", help="A corpus from `sportel samples`")],
    out: Annotated[Path, typer.Option("--out", help="JSON file for the figures")] = Path("bench.json"),
    jobs: Annotated[int, typer.Option("--jobs", min=1)] = os.cpu_count() or 1,
    service: Annotated[str, typer.Option("--service")] = "blq_strehim_invalidet",
    ocrmypdf: Annotated[bool, typer.Option("--ocrmypdf/--no-ocrmypdf")] = True,
    engine: Annotated[str | None, typer.Option("--engine", help="OCR engine of both the floor and Sportel "
                                               "(default: the settings' SPORTEL_OCR_ENGINE)")] = None,
    production: Annotated[bool, typer.Option(
        "--production/--no-production",
        help="Also run the production shape: PostgreSQL, Redis and separate worker processes")] = False,
    postgres_admin_url: Annotated[str, typer.Option(
        help="PostgreSQL account that may create (and drop) a fresh database for --production")
    ] = "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    redis_url: Annotated[str, typer.Option(help="Redis database that --production may empty")
                         ] = "redis://127.0.0.1:6379/13",
    steady: Annotated[bool, typer.Option(
        "--steady/--no-steady",
        help="Also time Sportel and the floor steady: the batch after a warm-up batch (two of the corpus's "
             "single documents) through the same running workers, against the floor with its models loaded")
    ] = True,
) -> None:
    """Pages per minute of Sportel end to end against bare tesseract and OCRmyPDF, and peak memory."""
    from benchmarks.bench import ProductionParts, run_benchmark

    parts = ProductionParts(postgres_admin_url, redis_url) if production else None
    warm_up = sorted((samples_dir / "docs").glob("doc*"))[:2] if steady else []
    result = run_benchmark(samples_dir / "batch.pdf", service_id=service, jobs=jobs, with_ocrmypdf=ocrmypdf,
                           engine=engine or Settings().ocr_engine, production=parts, warm_up=warm_up)
    table = Table(title=f"{result.pages} pages, {result.jobs} parallel jobs, engine {result.engine}")
    for column in ("run", "seconds", "pages/min", "CPU s", "pages/CPU-min", "peak RSS MB"):
        table.add_column(column)
    for run in result.runs:
        table.add_row(run.name, f"{run.seconds:.1f}", f"{run.pages_per_minute:.1f}", f"{run.cpu_seconds:.1f}",
                      f"{run.pages_per_cpu_minute:.1f}", f"{run.peak_rss_mb:.0f}" if run.peak_rss_mb else "-")
    console.print(table)
    for name, value in result.ratios().items():
        console.print(f"{name}: {value:.2f}")
    for name, peak in result.worker_peaks_mb.items():
        console.print(f"peak RSS of worker process {name}: {peak:.0f} MB")
    if result.steady_steps_cpu:
        steps = ", ".join(f"{step} {cpu:.2f}" for step, cpu in result.steady_steps_cpu.items())
        console.print(f"CPU seconds by step of the steady batch (the steps' own threads): {steps}")
    out.write_text(result.to_json(), encoding="utf-8")
    console.print(f"figures written to {out}")


@app.command("bench-ocr")
def bench_ocr(
    samples_dir: Annotated[Path, typer.Option("--samples", help="A corpus from `sportel samples`")],
    out: Annotated[Path, typer.Option("--out", help="JSON file for the figures")] = Path("bench-ocr.json"),
    jobs: Annotated[int, typer.Option("--jobs", min=1)] = os.cpu_count() or 1,
    engine: Annotated[str | None, typer.Option("--engine", help="Default: SPORTEL_OCR_ENGINE")] = None,
    show: Annotated[int, typer.Option("--show", min=0, help="Print the misread and missing text of the N "
                                      "worst pages (generated text only: for finding where errors come from)")] = 0,
) -> None:
    """Character error rate per document type and language, orientation and deskew accuracy, and the
    error on skewed pages against the same pages scanned straight (and turned straight by their true
    angles)."""
    import statistics

    from benchmarks.ocr_quality import evaluate_ocr
    from pipeline.catalog import load_catalog

    corpus = json.loads((samples_dir / "corpus.json").read_text(encoding="utf-8"))
    documents = len(corpus["documents"]) + sum(len(b["documents"]) for b in corpus["batches"])
    with Progress(console=console) as progress:
        task = progress.add_task("reading documents", total=documents)
        settings = Settings()
        quality = evaluate_ocr(samples_dir, load_catalog(), engine=engine or settings.ocr_engine, jobs=jobs,
                               dpi=settings.dpi, on_document=lambda: progress.advance(task))
    figures: dict[str, object] = {}
    for title, key in (("document type", lambda p: p.document_type), ("language", lambda p: p.language),
                       ("layout", lambda p: p.layout)):
        table = Table(title=f"Character error rate per {title}")
        for column in (title, "pages", "characters", "CER %", "reading-order CER %", "spurious %"):
            table.add_column(column)
        rates, ordered = quality.by(key), quality.by(key, ordered=True)
        for name, rate in rates.items():
            spurious = rate.spurious / rate.chars if rate.chars else 0.0
            table.add_row(name, str(rate.pages), str(rate.chars), f"{100 * rate.cer:.2f}",
                          f"{100 * ordered[name].cer:.2f}", f"{100 * spurious:.2f}")
        console.print(table)
        figures[title] = {name: {"pages": r.pages, "chars": r.chars, "cer": round(r.cer, 5),
                                 "reading_order_cer": round(ordered[name].cer, 5),
                                 "spurious": round(r.spurious / r.chars if r.chars else 0.0, 5)}
                          for name, r in rates.items()}
    skewed, straight = quality.skewed_vs_straight()
    ratio = skewed.cer / straight.cer if straight.cer else (1.0 if skewed.cer == 0 else float("inf"))
    right, total = quality.orientation_correct
    errors = quality.skew_errors
    ocr_seconds = [p.ocr_seconds for p in quality.pages]
    console.print(f"orientation right on {right}/{total} pages; deskew error median "
                  f"{statistics.median(errors):.3f} deg, worst {max(errors):.3f} deg")
    skew_figure = quality.skew_figure()
    for line in skew_figure.summary():
        console.print(line, markup=False)
    console.print(f"single documents' skewed pages ({skewed.pages}): CER {100 * skewed.cer:.2f}% through the "
                  f"pipeline against {100 * straight.cer:.2f}% turned straight by the true angles "
                  f"(ratio {ratio:.2f})")
    console.print(f"OCR seconds per page (wall, {jobs} at a time): mean {statistics.mean(ocr_seconds):.2f}, "
                  f"median {statistics.median(ocr_seconds):.2f}")
    figures.update({"orientation_right": right, "pages": total, "skew_error_median_deg": statistics.median(errors),
                    "skew_error_max_deg": max(errors), "skewed_pages": skewed.pages, "skewed_cer": skewed.cer,
                    "straight_cer": straight.cer, "skewed_vs_straight": ratio,
                    "ocr_seconds_mean": statistics.mean(ocr_seconds), **skew_figure.to_json()})
    for page in sorted(quality.pages, key=lambda p: -p.edits / max(p.chars, 1))[:show]:
        console.print(f"[bold]{page.doc_id}[/] {page.document_type}: {page.edits}/{page.chars} edits, "
                      f"{page.spurious} spurious", markup=True)
        if page.alignment is not None:
            for match in (m for m in page.alignment.matches if m.edits):
                console.print(f"  [{match.edits}] {match.truth!r} read {match.found!r}", markup=False)
            for text in page.alignment.missing:
                console.print(f"  missing {text!r}", markup=False)
    out.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    console.print(f"figures written to {out}")


@app.command("bench-classify")
def bench_classify(
    samples_dir: Annotated[Path, typer.Option("--samples", help="A corpus from `sportel samples` (a seed "
                                              "other than the model's training seed)")],
    jobs: Annotated[int, typer.Option("--jobs", min=1)] = os.cpu_count() or 1,
    stack_rounds: Annotated[int, typer.Option("--stack-rounds", min=1, help="Long separator-less stacks "
                                              "built from the corpus's documents in random orders")] = 3,
    stack_seed: Annotated[int, typer.Option("--stack-seed")] = 1,
    home: HomeOption = None,
) -> None:
    """Top-1 accuracy of document classification on OCRed generated documents, with a confusion matrix;
    boundary F1 of automatic splitting; key-field extraction accuracy."""
    from benchmarks.classification import evaluate
    from pipeline.catalog import load_catalog
    from stages.classify import load_model
    from workers.models import CURRENT_MODEL, DEFAULT_MODEL

    settings = _settings(home)
    model_path = settings.home / "models" / CURRENT_MODEL
    model = load_model(model_path if model_path.exists() else DEFAULT_MODEL)
    figures = evaluate(samples_dir, load_catalog(), model, jobs=jobs)
    table = Table(title="Confusion (true type -> predicted type, count)")
    for column in ("true", "predicted", "count"):
        table.add_column(column)
    for (true, predicted), count in sorted(figures.confusion.items()):
        table.add_row(true, predicted if predicted == true else f"[red]{predicted}[/]", str(count))
    console.print(table)
    console.print(f"top-1 accuracy {figures.correct}/{figures.total} = {figures.accuracy:.3f}; "
                  f"uncertain {figures.uncertain}; model {model.version[:12]}")
    if (samples_dir / "stack.json").exists():
        from benchmarks.classification import stack_boundary_f1

        f1, true_count, predicted_count = stack_boundary_f1(samples_dir, load_catalog(), model, jobs=jobs)
        console.print(f"automatic split of stack.pdf (no separators): boundary F1 {f1:.3f} "
                      f"({true_count} true documents, {predicted_count} found)")
    from benchmarks.classification import extraction_figures, long_stack_split

    split = long_stack_split(figures.documents, load_catalog(), model, seed=stack_seed, rounds=stack_rounds)
    console.print(f"automatic split of {stack_rounds} long stacks of all {figures.total} documents (no "
                  f"separators, {split.pages} pages): boundary F1 {split.f1:.3f} ({split.true_documents} true "
                  f"documents, {split.found_documents} found, {split.false_splits} false splits, "
                  f"{split.missed_splits} missed)")
    for error in split.errors:
        console.print(f"  {error}")
    fields = Table(title="Key-field extraction (true type given; exact value)")
    for column in ("field", "expected", "extracted", "correct", "accuracy", "precision"):
        fields.add_column(column)
    for name, entry in extraction_figures(figures.documents).items():
        fields.add_row(name, str(entry.expected), str(entry.found), str(entry.correct), f"{entry.accuracy:.3f}",
                       f"{entry.precision:.3f}")
    console.print(fields)


@app.command("bench-privacy")
def bench_privacy(
    samples_dir: Annotated[Path, typer.Option("--samples", help="A corpus from `sportel samples` (a seed the "
                                              "recognizers were not tuned on)")],
    out: Annotated[Path, typer.Option("--out", help="JSON file for the figures")] = Path("bench-privacy.json"),
    jobs: Annotated[int, typer.Option("--jobs", min=1)] = os.cpu_count() or 1,
    timing: Annotated[bool, typer.Option("--timing", help="Also redact and verify every document, and report "
                                         "ms per page of each part (use --jobs 1 for clean times)")] = False,
    show_misses: Annotated[bool, typer.Option("--show-misses", help="Print missed and spurious values (the "
                                              "corpus's synthetic data) for tuning")] = False,
    home: HomeOption = None,
) -> None:
    """Recall and precision of personal-data detection per entity type, on OCRed generated documents."""
    from benchmarks.privacy import evaluate_privacy
    from privacy.analyzer import build_analyzer

    settings = _settings(home)
    figures = evaluate_privacy(samples_dir, build_analyzer(), jobs=jobs, lang=settings.ocr_languages,
                               engine=settings.ocr_engine, timing=timing)
    table = Table(title=f"{figures.documents} documents, {figures.pages} pages")
    for column in ("entity", "seeded", "found", "recall", "findings", "correct", "precision", "covered"):
        table.add_column(column)
    for entity, s in sorted(figures.scores.items()):
        table.add_row(entity, str(s.seeded), str(s.found), f"{s.recall:.3f}", str(s.findings), str(s.correct),
                      f"{s.precision:.3f}", str(s.covered))
    console.print(table)
    if show_misses:
        for miss in figures.misses:
            console.print(f"{miss.kind}: {miss.doc_id} p{miss.page} {miss.entity} {miss.value!r}", markup=False)
    console.print("ms per page (wall): " + ", ".join(f"{k} {v:.0f}" for k, v in figures.ms_per_page().items()))
    console.print("ms per page (CPU): " + ", ".join(f"{k} {v:.0f}" for k, v in figures.ms_per_page(cpu=True).items()))
    if timing:
        console.print(f"documents whose redaction did not verify: {figures.unverified_documents} "
                      f"(failed checks: {', '.join(sorted(figures.failed_checks)) or 'none'})")
    out.write_text(figures.to_json(samples=str(samples_dir), engine=settings.ocr_engine, jobs=jobs), encoding="utf-8")
    console.print(f"figures written to {out}")


@app.command("bench-signing")
def bench_signing(
    samples_dir: Annotated[Path, typer.Option("--samples", help="A corpus from `sportel samples`")],
    out: Annotated[Path, typer.Option("--out", help="JSON file for the figures")] = Path("bench-signing.json"),
    jobs: Annotated[int, typer.Option("--jobs", min=1)] = os.cpu_count() or 1,
    service: Annotated[str, typer.Option("--service")] = "blq_strehim_invalidet",
) -> None:
    """Signing's share of pipeline time per document and overall, on wall and on CPU time (`sportel
    process` in a fresh home; its SPORTEL_* settings, such as the PAdES levels, pass through), and
    milliseconds per signature."""
    from benchmarks.signing import run_signing_benchmark

    figures = run_signing_benchmark(samples_dir, service_id=service, jobs=jobs)
    table = Table(title=f"{len(figures.documents)} documents, {figures.wall_seconds:.1f} s wall, {jobs} jobs")
    for column in ("document", "pages", "signatures", "step s wall", "signing s wall", "share wall",
                   "step s CPU", "signing s CPU", "share CPU"):
        table.add_column(column)
    for d in figures.documents:
        table.add_row(d.document_id[:12], str(d.pages), str(d.signatures), f"{d.total_seconds:.2f}",
                      f"{d.signing_seconds:.3f}", f"{d.share:.1%}", f"{d.total_cpu_seconds:.2f}",
                      f"{d.signing_cpu_seconds:.3f}", f"{d.cpu_share:.1%}")
    console.print(table)
    console.print(f"wall: signing {figures.signing_seconds:.2f} s of {figures.total_seconds:.2f} s step time = "
                  f"{figures.share:.2%} overall (worst document {figures.worst_document_share:.2%}); "
                  f"{figures.ms_per_signature:.0f} ms per signature ({figures.signatures} signatures)")
    console.print(f"CPU:  signing {figures.signing_cpu_seconds:.2f} s of {figures.total_cpu_seconds:.2f} s step "
                  f"time = {figures.cpu_share:.2%} overall (worst document {figures.worst_document_cpu_share:.2%}); "
                  f"{figures.cpu_ms_per_signature:.0f} ms per signature")
    out.write_text(figures.to_json(), encoding="utf-8")
    console.print(f"figures written to {out}")


@app.command()
def receipt(
    case: Annotated[str, typer.Option("--case", help="Case id")],
    out: Annotated[Path, typer.Option("--out", help="PDF file to write")] = Path("receipt.pdf"),
    home: HomeOption = None,
) -> None:
    """Print the front-desk receipt of a case (PDF, Albanian): documents received, missing, uncertain."""
    from api.routers.cases import build_case_receipt
    from workers.bootstrap import build

    broker, context = build(_settings(home))
    try:
        out.write_bytes(build_case_receipt(context, case))
    finally:
        broker.close()
    console.print(f"receipt for case {case} written to {out}")


@app.command()
def retrain(
    samples_dir: Annotated[Path | None, typer.Option("--samples", help="Generated corpus to train on "
                                                      "(default: generate one)")] = None,
    count: Annotated[int, typer.Option("--count", min=14)] = 140,
    seed: Annotated[int, typer.Option("--seed")] = 1000,
    home: HomeOption = None,
) -> None:
    """Train a new text classification model on generated documents and officers' corrections, store
    it versioned and put it in use (the version is recorded on every classification from then on)."""
    from workers.retrain import retrain_model

    settings = _settings(home)
    result = retrain_model(settings, samples_dir=samples_dir, count=count, seed=seed)
    console.print(f"model {result.version[:12]} trained on {result.generated} generated documents and "
                  f"{result.corrections} corrections; in use from now on ({result.path})")


def main() -> None:
    from workers.heap import use_one_heap

    use_one_heap()  # before any thread starts (the progress bar's, the workers')
    logging.basicConfig(level=os.environ.get("SPORTEL_LOG_LEVEL", "WARNING"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        app()
    except SportelError as exc:
        err_console.print(f"[red]error[/] ({exc.code}): {exc}")
        raise SystemExit(2) from None
