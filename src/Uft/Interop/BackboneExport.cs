using System.Collections;
using TorchSharp.PyBridge;
using Uft.Models;
using static TorchSharp.torch;

namespace Uft.Interop;

/// <summary>
/// Writes a (finetuned) backbone's state dict with torchvision's names, as <c>.safetensors</c> or as a torch.save zip
/// <c>.pth</c> that <c>torchvision.models.resnet.ResNet(BasicBlock, blocks)</c> loads with <c>strict=False</c> (only
/// the classifier <c>fc.*</c> is absent). Input adapters hold no state and are not exported: the weights expect the
/// input convention they were trained with (see docs/weights.md). All writes are atomic.
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
        try
        {
            AtomicFile.Write(path, file => PyTorchPickler.PickleStateDict(file, sd, leaveOpen: true));
        }
        finally
        {
            foreach (var c in copies) c.Dispose();
        }
    }

    /// <summary>
    /// Writes the backbone as ONNX (opset 13, input <c>input</c> normalised RGB (N,3,H,W), output <c>features</c>),
    /// input adapter included, atomically. TorchSharp has no ONNX exporter (libtorch's C++ API lacks torch.onnx), so
    /// the graph is written by hand for the layouts <see cref="ResNet"/> builds; returns false with the reason when the
    /// model holds something it cannot express. With a per-pixel mean image the input size is fixed to the image's.
    /// </summary>
    public static bool TrySaveOnnx(ResNet model, string path, out string reason)
    {
        var bytes = OnnxExport.Build(model, out var unsupported);
        if (unsupported is not null) { reason = unsupported; return false; }
        AtomicFile.Write(path, file => file.Write(bytes));
        reason = "";
        return true;
    }
}
