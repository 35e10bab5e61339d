using System.Runtime.CompilerServices;

namespace Uft.Tests;

static class TestSetup
{
    /// <summary>As the CLI does at start: denormals flushed (trainings in tests run many times faster), libtorch quiet.</summary>
    [ModuleInitializer]
    internal static void Init()
    {
        NativeRuntime.QuietTorchLogging();
        NativeRuntime.FlushDenormals();
    }
}
