using Uft.Models;
using Uft.Pretrained;

namespace Uft.Tests.Interop;

/// <summary>The pretrained backbone, loaded once for the tests of this class (reading the 64 MB ONNX takes seconds).</summary>
public sealed class PretrainedBackbone : IDisposable
{
    public ResNet Net { get; } = ImageNetResNet18.Create();
    public PretrainedBackbone() => Net.eval();
    public void Dispose() => Net.Dispose();
}
