using Spectre.Console;
using Spectre.Console.Cli;
using Uft.Cli.Commands;

// Before any TorchSharp call: libtorch reads its log level when it loads.
Uft.NativeRuntime.QuietTorchLogging();
Uft.NativeRuntime.ReuseLargeBlocks();
if (args.Length > 0 && !args[0].StartsWith('-')) Uft.NativeRuntime.FlushDenormals();
var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("uft");
    config.SetApplicationVersion(Uft.UftInfo.Version);
    config.ConfigureConsole(Terminal.Configure());
    config.AddCommand<InfoCommand>("info").WithDescription("Versions, threads, CPU features and CUDA availability.");
    config.AddCommand<DemoCommand>("demo").WithDescription("The ImageNet backbone as shipped vs finetuned naively vs UFT on the shipped demo data, with a report.");
    config.AddCommand<CompareCommand>("compare").WithDescription("Arms (as shipped, naive, replay-only, mix-only, uft, scratch) trained and evaluated alike; results.md in the paper's layout.")
        .WithExample("compare", "--train", "../shared/data/caltech101/train", "--test", "../shared/data/caltech101/test", "--source", "../shared/data/imagenet-sample/train", "--replay-fraction", "1", "--arms", "none,naive,replay-only,uft");
    config.AddCommand<FinetuneCommand>("finetune").WithDescription("Unsupervised finetuning (MoCo v2 + source replay + CutMix) of a pretrained backbone on unlabeled target images.")
        .WithExample("finetune", "--target", "data/demo/train", "--source", "data/demo/source", "--epochs", "20", "--image-size", "112", "--batch-size", "64");
    config.AddCommand<PretrainCommand>("pretrain").WithDescription("MoCo v2 pretraining from random weights.");
    config.AddCommand<EvalCommand>("eval").WithDescription("Evaluate a backbone: retrieval, clustering, kNN, linear probe, K-shot, FixMatch, t-SNE, forgetting; writes eval.json.")
        .WithExample("eval", "--backbone", "runs/uft", "--train", "data/demo/train", "--test", "data/demo/test", "--image-size", "112");
    config.AddCommand<EmbedCommand>("embed").WithDescription("Write a folder's features as features.npy, labels.npy and paths.txt.")
        .WithExample("embed", "--backbone", "runs/uft", "--folder", "data/demo/test", "--output", "runs/uft/embeddings");
    config.AddCommand<ReportCommand>("report").WithDescription("One self-contained HTML report comparing run and evaluation folders.")
        .WithExample("report", "runs/eval-resnet18", "runs/eval-uft", "--output", "report.html");
    config.AddCommand<ExportCommand>("export").WithDescription("Export a backbone as .safetensors, torchvision .pth or .onnx (by the file extension).")
        .WithExample("export", "--backbone", "runs/uft", "--output", "uft_resnet18.pth");
    config.AddCommand<BackbonesCommand>("backbones").WithDescription("Built-in backbones and where their weights come from.");
    config.AddBranch("data", data =>
    {
        data.SetDescription("Inspect image folders.");
        data.AddCommand<DataCheckCommand>("check").WithDescription("Images per class, skipped files and why, image sizes.");
    });
    config.PropagateExceptions();
});
return CliErrors.Run(app, args);
