using Uft.Data;

namespace Uft.Evaluation;

/// <summary>The views the protocols need: <see cref="Eval"/> (resize + centre crop) for features and testing;
/// <see cref="KShotTrain"/> (random-resized-crop + flip) for k-shot finetuning; FixMatch's weak and strong views.</summary>
public sealed record EvalTransforms(IViewTransform Eval, IViewTransform? KShotTrain = null, IViewTransform? Weak = null, IViewTransform? Strong = null);
