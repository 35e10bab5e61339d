using TorchSharp;

namespace Uft;

/// <summary>Turns <c>--device cpu|cuda|auto</c> into a TorchSharp device, with a one-line error when CUDA is asked for
/// but this build or machine has none.</summary>
public static class Devices
{
    public static torch.Device Resolve(string name) => name switch
    {
        "cpu" => torch.CPU,
        "auto" => CudaAvailable() ? torch.CUDA : torch.CPU,
        "cuda" => CudaAvailable() ? torch.CUDA
            : throw UftException.Usage("--device cuda: CUDA is not available (this is the CPU build, or no GPU is visible); see docs/gpu.md, or use --device cpu"),
        _ => throw UftException.Usage($"--device {name}: choose cpu, cuda or auto"),
    };

    static bool CudaAvailable()
    {
        try
        {
            torch.InitializeDeviceType(DeviceType.CUDA);
            return torch.cuda.is_available();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return false; // the CPU libtorch has no CUDA backend to initialise
        }
    }
}
