using Spectre.Console;
using Spectre.Console.Cli;
using Uft.Cli.Commands;

// Before any TorchSharp call: libtorch reads its log level when it loads.
Uft.NativeRuntime.QuietTorchLogging();
Uft.NativeRuntime.ReuseLargeBlocks();
var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("uft");
    config.SetApplicationVersion(Uft.UftInfo.Version);
    config.AddCommand<InfoCommand>("info").WithDescription("Versions, threads, CPU features and CUDA availability.");
    config.AddCommand<DemoCommand>("demo").WithDescription("The ImageNet backbone as shipped vs finetuned naively vs UFT on the shipped demo data, with a report.");
    config.AddCommand<FinetuneCommand>("finetune").WithDescription("Unsupervised finetuning (MoCo v2 + source replay + CutMix) of a pretrained backbone on unlabeled target images.")
        .WithExample("finetune", "--target", "data/demo/train", "--source", "data/demo/source", "--epochs", "20", "--image-size", "112", "--batch-size", "64");
    config.AddCommand<PretrainCommand>("pretrain").WithDescription("MoCo v2 pretraining from random weights.");
    config.AddCommand<BackbonesCommand>("backbones").WithDescription("Built-in backbones and where their weights come from.");
    config.AddBranch("data", data =>
    {
        data.SetDescription("Inspect image folders.");
        data.AddCommand<DataCheckCommand>("check").WithDescription("Images per class, skipped files and why, image sizes.");
    });
    config.PropagateExceptions();
});
return CliErrors.Run(app, args);
