import CLIKit

/// `nas-infer`: classify PNG images with a compact model, audit its robustness, benchmark it, or write labelled
/// test images as PNGs.
@main
struct NASInfer {
  static func main() {
    CLI.run(command) { args in
      switch args.subcommand {
      case "audit": try runAudit(args)
      case "bench": try runBench(args)
      case "samples": try runSamples(args)
      default: try runClassify(args)
      }
    }
  }

  static let modelOption = Option.value(
    "model", short: "m", placeholder: "path", default: "model.nasb", environment: "NAS_MODEL",
    help: "Compact model (.nasb) to run.")
  static let threadsOption = Option.value("threads", placeholder: "n", default: "1",
                                          help: "Worker threads for conv and GEMM (results do not depend on it).")

  static let command = Command(
    "nas-infer", abstract: "Classify PNG images with a compact model (.nasb).",
    discussion: """
      The model is --model, else $NAS_MODEL, else ./model.nasb. Any PNG (gray, RGB, RGBA, palette, 16-bit) is
      converted to the model's channels, resized bilinearly to its input size and normalised with its statistics.
      A PNG that cannot be read gets a one-line error; the others are still classified, and the exit code is 1.
      """,
    options: [
      modelOption,
      .value("top-k", short: "k", placeholder: "k", default: "3", help: "Classes to print per image."),
      .flag("json", help: "One JSON object per image on stdout."),
      threadsOption,
    ],
    positionals: [Positional("images", help: "PNG files to classify.", repeating: true)],
    subcommands: [auditCommand, benchCommand, samplesCommand])

  static let auditCommand = Command(
    "audit", abstract: "Accuracy under FGSM / PGD attacks for a list of ε (pixel units of [0, 1]).",
    discussion: """
      FGSM: x_adv = clip(x + ε·sign(∇x J(x, y)), 0, 1), the gradient taken through the normalisation.
      PGD: random start in the ε-ball, then projected signed-gradient steps. ε = 0 gives the clean accuracy.
      --data is a folder with one subfolder of PNGs per class (ImageFolder), or 'fashion-mnist' (test split,
      from the Debian package dataset-fashion-mnist) or 'fashion-mnist:DIR'.
      """,
    options: [
      modelOption,
      .value("data", placeholder: "dir|fashion-mnist", help: "Labelled images to attack."),
      .value("eps", placeholder: "list", default: "0,0.01,0.02,0.05,0.1", help: "Comma-separated ε values in [0, 1]."),
      .value("attack", placeholder: "fgsm|pgd", default: "fgsm", help: "Attack to run."),
      .value("pgd-steps", placeholder: "n", default: "10", help: "PGD iterations."),
      .value("pgd-step-size", placeholder: "a", help: "PGD step size (default 2.5·ε / steps)."),
      .value("limit", placeholder: "n", help: "Audit only the first n images."),
      .value("seed", placeholder: "s", default: "0", help: "Seed of PGD's random start."),
      .value("batch-size", placeholder: "n", default: "32", help: "Images per forward/backward pass."),
      .value("json", placeholder: "path", help: "Write the report as JSON to this file."),
      .value("save-adversarial", placeholder: "dir", help: "Write the adversarial images (ε > 0) as PNGs here."),
      threadsOption,
    ])

  static let benchCommand = Command(
    "bench", abstract: "Load time, first-inference time, median batch-1 latency and peak RSS, as JSON.",
    options: [
      modelOption,
      .value("runs", placeholder: "n", default: "50", help: "Timed batch-1 inferences (the median is reported)."),
      threadsOption,
    ])
}
