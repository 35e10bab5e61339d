namespace Uft.Tests.Reliability;

/// <summary>Every option of `uft finetune`, `uft pretrain` and `uft data check` given a wrong value: exactly one line that
/// names what to change, exit code 2, and no run folder.</summary>
[Trait("Category", "Reliability")]
public sealed class BadInputTests : IClassFixture<BadInputTests.Inputs>
{
    /// <summary>The folders and files the cases point at, made once: {T} 4 images, {EMPTY} an empty folder, {FILE} a file,
    /// {UNKNOWN} a config with an unknown key, {BROKEN} a config that is not JSON, {MISSING} a path that does not exist.</summary>
    public sealed class Inputs : IDisposable
    {
        public string Root { get; } = Paths.TempDir();
        public Dictionary<string, string> Names { get; } = [];

        public Inputs()
        {
            string t = SmallRun.Target(4);
            Names["{T}"] = t;
            Names["{EMPTY}"] = Directory.CreateDirectory(Path.Combine(Root, "empty")).FullName;
            Names["{FILE}"] = Directory.GetFiles(t)[0];
            Names["{UNKNOWN}"] = Write("unknown.json", """{ "epochs": 2, "batchSzie": 16 }""");
            Names["{BROKEN}"] = Write("broken.json", """{ "epochs": 2, """);
            Names["{MISSING}"] = Path.Combine(Root, "no-such-folder");
        }

        string Write(string name, string text)
        {
            string path = Path.Combine(Root, name);
            File.WriteAllText(path, text);
            return path;
        }

        public void Dispose()
        {
            SmallRun.Delete(Root);
            SmallRun.Delete(Names["{T}"]);
        }
    }

    readonly Inputs inputs;

    public BadInputTests(Inputs inputs) => this.inputs = inputs;

    const string Naive = "--target {T} --preset naive";

    /// <summary>(command and arguments, a word the message must contain). Finetune cases get --name/--output added.</summary>
    public static TheoryData<string, string> Cases => new()
    {
        { $"finetune {Naive} --epochs -1", "--epochs -1" },
        { $"finetune {Naive} --epochs 0", "--epochs 0" },
        { $"finetune {Naive} --epochs abc", "--epochs abc" },
        { $"finetune {Naive} --epochs", "--epochs" },
        { $"finetune {Naive} --batch-size 1", "--batch-size 1" },
        { $"finetune {Naive} --batch-size 1.5", "--batch-size 1.5" },
        { $"finetune {Naive} --image-size 8", "--image-size 8" },
        { $"finetune {Naive} --lr -0.1", "--lr" },
        { $"finetune {Naive} --lr fast", "--lr fast" },
        { $"finetune {Naive} --momentum 1.5", "--momentum" },
        { $"finetune {Naive} --weight-decay -1", "--weight-decay" },
        { $"finetune {Naive} --warmup-epochs 5 --epochs 2", "--warmup-epochs" },
        { $"finetune {Naive} --dim 0", "--dim" },
        { $"finetune {Naive} --queue-size 0", "--queue-size" },
        { $"finetune {Naive} --key-momentum 1", "--key-momentum" },
        { $"finetune {Naive} --bn kept", "--bn kept" },
        { $"finetune {Naive} --freeze-stages 4", "--freeze-stages 4" },
        { $"finetune {Naive} --freeze-stages -1", "--freeze-stages -1" },
        { $"finetune {Naive} --temperature 0", "--temperature" },
        { $"finetune {Naive} --bn-splits 0", "--bn-splits" },
        { $"finetune {Naive} --seed x", "--seed x" },
        { $"finetune {Naive} --workers -1", "--workers" },
        { $"finetune {Naive} --checkpoint-every 0", "--checkpoint-every" },
        { $"finetune {Naive} --monitor-every -1", "--monitor-every" },
        { $"finetune {Naive} --monitor-train {{T}}", "--monitor-test" },
        { $"finetune {Naive} --monitor-train {{MISSING}} --monitor-test {{MISSING}}", "no-such-folder" },
        { $"finetune {Naive} --device tpu", "--device tpu" },
        { $"finetune {Naive} --name a/b", "--name" },
        { $"finetune {Naive} --backbone nonet", "nonet" },
        { $"finetune {Naive} --backbone {{MISSING}}", "no-such-folder" },
        { "finetune --target {T} --preset scratch --backbone resnet18-imagenet-sup", "--backbone" },
        { "finetune --target {T} --preset bogus", "--preset bogus" },
        { "finetune --target {MISSING} --preset naive", "no-such-folder" },
        { "finetune --target {EMPTY} --preset naive", "no readable image" },
        { "finetune --target {FILE} --preset naive", "is a file" },
        { "finetune --preset naive", "--target" },
        { "finetune --target {T}", "--source" },
        { "finetune --target {T} --source {MISSING}", "no-such-folder" },
        { "finetune --target {T} --source {T} --replay-fraction 1.5", "--replay-fraction 1.5" },
        { "finetune --target {T} --source {T} --replay-fraction 0", "--replay-fraction 0" },
        { "finetune --target {T} --source {T} --replay-count 0", "--replay-count" },
        { $"finetune {Naive} --source-ratio 0.5", "--source-ratio" },
        { $"finetune {Naive} --source {{T}}", "--source" },
        { $"finetune {Naive} --mixing bad", "--mixing bad" },
        { "finetune --target {T} --preset mix-only --mix-alpha 0", "--mix-alpha" },
        { $"finetune {Naive} --plain-weight 0", "--plain-weight 0" },
        { "finetune --target {T} --preset mix-only --plain-weight -1", "--plain-weight -1" },
        { $"finetune {Naive} --config {{MISSING}}", "config file not found" },
        { $"finetune {Naive} --config {{UNKNOWN}}", "batchSzie" },
        { $"finetune {Naive} --config {{BROKEN}}", "broken.json" },
        { $"finetune {Naive} --resume", "no run to resume" },
        { $"finetune {Naive} --frobnicate", "--frobnicate" },
        { "pretrain --target {T} --epochs -1", "--epochs -1" },
        { "pretrain --target {T} --preset naive", "--preset" },
        { "pretrain --target {T} --freeze-stages 1", "--freeze-stages 1" },
        { "pretrain --target {MISSING}", "no-such-folder" },
        { "pretrain --target {T} --image-size big", "--image-size big" },
        { "data check {MISSING}", "no-such-folder" },
        { "data check {FILE}", "is a file" },
        { "data check {EMPTY}", "no class folders" },
        { "data check", "folder" },
        { "data check {T} --bogus", "--bogus" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void OneLineExitCode2AndNothingWritten(string command, string mustContain)
    {
        string output = Path.Combine(inputs.Root, "runs-" + Guid.NewGuid().ToString("N")[..6]);
        var args = command.Split(' ').Select(a => inputs.Names.Aggregate(a, (s, kv) => s.Replace(kv.Key, kv.Value))).ToList();
        if (args[0] is "finetune" or "pretrain") args.AddRange(args.Contains("--name") ? ["--output", output] : ["--name", "bad", "--output", output]);
        var r = Cli.Run([.. args]);
        string all = r.All.Trim();
        Assert.True(r.ExitCode == 2, $"exit {r.ExitCode}: {all}");
        Assert.DoesNotContain('\n', all);
        Assert.StartsWith("error: ", all);
        Assert.Contains(inputs.Names.Aggregate(mustContain, (s, kv) => s.Replace(kv.Key, kv.Value)), all);
        Assert.Empty(r.Stdout);
        Assert.False(Directory.Exists(output), $"{output} was created");
    }
}
