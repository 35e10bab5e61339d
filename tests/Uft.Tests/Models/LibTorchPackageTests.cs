namespace Uft.Tests.Models;

/// <summary>
/// The build restores and copies the CPU libtorch of this OS alone (build/LibTorch.targets); TorchSharp-cpu brought
/// those of Linux, Windows and macOS, 620 MB that this machine never loads.
/// </summary>
public class LibTorchPackageTests
{
    static readonly (string Rid, string File)[] CpuLibTorch =
        [("linux-x64", "libtorch_cpu.so"), ("win-x64", "torch_cpu.dll"), ("osx-arm64", "libtorch_cpu.dylib")];

    [Fact]
    public void OutputHoldsTheCpuLibTorchOfThisOsOnly()
    {
        string own = OperatingSystem.IsWindows() ? "win-x64" : OperatingSystem.IsMacOS() ? "osx-arm64" : "linux-x64";
        foreach (var (rid, file) in CpuLibTorch)
        {
            string path = Path.Combine(AppContext.BaseDirectory, "runtimes", rid, "native", file);
            Assert.True(File.Exists(path) == (rid == own), $"{path}: expected {(rid == own ? "present" : "absent")}");
        }
    }
}
