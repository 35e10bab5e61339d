using Spectre.Console;
using Spectre.Console.Cli;
using Uft.Cli.Commands;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("uft");
    config.SetApplicationVersion(Uft.UftInfo.Version);
    config.AddCommand<InfoCommand>("info").WithDescription("Versions, threads, CPU features and CUDA availability.");
    config.AddBranch("data", data =>
    {
        data.SetDescription("Inspect image folders.");
        data.AddCommand<DataCheckCommand>("check").WithDescription("Images per class, skipped files and why, image sizes.");
    });
    config.PropagateExceptions();
});
return CliErrors.Run(app, args);
