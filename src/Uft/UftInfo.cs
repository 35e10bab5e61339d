using System.Reflection;
using System.Runtime.Intrinsics.X86;
using TorchSharp;

namespace Uft;

/// <summary>Versions and the compute environment, for `uft info` and for run folders.</summary>
public static class UftInfo
{
    public static string Version { get; } =
        typeof(UftInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static string TorchSharpVersion => typeof(torch).Assembly.GetName().Version?.ToString(3) ?? "?";

    public static string CpuFeatures()
    {
        var f = new List<string>();
        if (Avx2.IsSupported) f.Add("AVX2");
        if (Fma.IsSupported) f.Add("FMA");
        if (Avx512F.IsSupported) f.Add("AVX-512");
        if (Avx512BW.IsSupported) f.Add("AVX-512BW");
        if (AvxVnni.IsSupported) f.Add("AVX-VNNI");
        if (File.Exists("/proc/cpuinfo"))
        {
            var flags = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags"))?.Split(' ') ?? [];
            if (flags.Contains("amx_bf16")) f.Add("AMX-BF16");
            if (flags.Contains("avx512_bf16")) f.Add("AVX512-BF16");
        }
        return f.Count == 0 ? "none detected" : string.Join(" ", f);
    }

    /// <summary>
    /// The gen0 budget as the runtime reads DOTNET_GCgen0size (hexadecimal, with or without 0x). Only the environment
    /// sets it (the runtime ignores it in runtimeconfig.json): `./uft` exports it, an installed tool does not.
    /// </summary>
    public static string Gen0Budget(string? variable)
    {
        const string Default = "runtime default (./uft sets 256 MB: docs/reliability.md)";
        if (string.IsNullOrWhiteSpace(variable)) return Default;
        string hex = variable.Trim().StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? variable.Trim()[2..] : variable.Trim();
        return ulong.TryParse(hex, System.Globalization.NumberStyles.AllowHexSpecifier, null, out ulong bytes)
            ? $"{bytes / (1024.0 * 1024):0.#} MB (DOTNET_GCgen0size={variable})"
            : $"DOTNET_GCgen0size={variable} is not hexadecimal: {Default}";
    }

    public static IEnumerable<(string Key, string Value)> Describe()
    {
        yield return ("UFT", Version);
        yield return ("TorchSharp", TorchSharpVersion);
        yield return ("libtorch", torch.__version__);
        yield return (".NET", Environment.Version.ToString());
        yield return ("OS", System.Runtime.InteropServices.RuntimeInformation.OSDescription);
        yield return ("CPU cores", Environment.ProcessorCount.ToString());
        yield return ("torch threads", $"{torch.get_num_threads()} intra-op, {torch.get_num_interop_threads()} inter-op");
        yield return ("CPU features", CpuFeatures());
        yield return ("denormals", NativeRuntime.FlushDenormals() ? "flushed to zero (FTZ/DAZ)" : "not flushed: this libtorch lacks the setting");
        yield return ("GC gen0 budget", Gen0Budget(Environment.GetEnvironmentVariable("DOTNET_GCgen0size")));
        bool cuda = torch.cuda.is_available();
        yield return ("CUDA", cuda ? $"available, {torch.cuda.device_count()} device(s)" : "not available (CPU build)");
    }
}
