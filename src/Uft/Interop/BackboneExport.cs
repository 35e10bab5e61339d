using System.Collections;
using TorchSharp.PyBridge;
using Uft.Models;
using static TorchSharp.torch;

namespace Uft.Interop;

/// <summary>
/// Writes a (finetuned) backbone's state dict with torchvision's names, as <c>.safetensors</c> or as a torch.save zip
/// <c>.pth</c> that <c>torchvision.models.resnet.ResNet(BasicBlock, blocks)</c> loads with <c>strict=False</c> (only
/// the classifier <c>fc.*</c> is absent). Input adapters hold no state and are not exported: the weights expect the
/// input convention they were trained with (see docs/weights.md). Both writes are atomic.
/// </summary>
public static class BackboneExport
{
    public static void SaveSafetensors(ResNet model, string path, IReadOnlyDictionary<string, string>? metadata = null) =>
        SafeTensors.Save(path, model.state_dict(), metadata);

    public static void SaveTorchvisionPth(ResNet model, string path)
    {
        var sd = new Hashtable();
        var copies = new List<Tensor>();
        foreach (var (k, v) in model.state_dict())
        {
            var cpu = v.detach().cpu().contiguous();
            copies.Add(cpu);
            sd[k] = cpu;
        }
        var full = Path.GetFullPath(path);
        var tmp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var file = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                PyTorchPickler.PickleStateDict(file, sd, leaveOpen: true);
                file.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
            foreach (var c in copies) c.Dispose();
        }
    }

    /// <summary>
    /// ONNX export is not available: TorchSharp 0.107 binds libtorch's C++ API, which has no ONNX exporter
    /// (torch.onnx is Python-only, built on TorchScript tracing). Returns false with that reason; export safetensors
    /// or .pth and convert in Python (<c>torch.onnx.export</c>) instead.
    /// </summary>
    public static bool TrySaveOnnx(ResNet model, string path, out string reason)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        reason = "TorchSharp has no ONNX exporter (libtorch's C++ API lacks torch.onnx); export .safetensors or .pth and run torch.onnx.export in Python";
        return false;
    }
}
