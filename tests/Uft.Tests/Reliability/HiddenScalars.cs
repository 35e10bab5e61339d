using System.Reflection;
using System.Reflection.Emit;
using TorchSharp;

namespace Uft.Tests.Reliability;

/// <summary>
/// Finds, in compiled code, the calls that give libtorch a <see cref="Scalar"/> nothing holds: TorchSharp 0.107 turns a
/// number passed to an op into a finalizable Scalar (<c>Scalar.op_Implicit</c>) whose handle is read before the native
/// call, after which a garbage collection can finalize and free it while libtorch still reads it (docs/reliability.md).
/// A TorchSharp method is <em>hidden-Scalar</em> when its IL converts a number to a Scalar without disposing one (so
/// without a <c>using</c> that keeps it alive), or calls such a method; e.g. <c>Tensor.add(Tensor)</c> passes an alpha
/// of 1, <c>operator -(Tensor, Tensor)</c> calls it. A TorchSharp module's forward counts for the code that builds one.
/// </summary>
static class HiddenScalars
{
    static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    static readonly Lazy<HashSet<MethodBase>> TorchSharpHidden = new(FindHiddenInTorchSharp);

    /// <summary>Every call site in <paramref name="assembly"/> that hands libtorch an unheld Scalar, as "Type.Method -> callee".</summary>
    public static List<string> CallSites(Assembly assembly)
    {
        var hidden = TorchSharpHidden.Value;
        var found = new List<string>();
        foreach (var method in Methods(assembly))
            foreach (var callee in Callees(method))
                if (IsBaseConstructor(method, callee)) continue; // a subclass's forward is read as the subclass's own code
                else if (IsImplicitScalar(callee) || hidden.Contains(Definition(callee)) || ForwardIsHidden(callee, hidden))
                    found.Add($"{Describe(method)} -> {Describe(callee)}");
        return found.Distinct().Order(StringComparer.Ordinal).ToList();
    }

    static HashSet<MethodBase> FindHiddenInTorchSharp()
    {
        var torchSharp = typeof(Scalar).Assembly;
        var calls = Methods(torchSharp).ToDictionary(m => m, m => Callees(m).Select(Definition).ToList());
        var hidden = calls.Where(kv => kv.Value.Any(IsScalarConversion) && !kv.Value.Any(IsScalarDispose)).Select(kv => kv.Key).ToHashSet();
        // Callers of a hidden-Scalar method inside TorchSharp, to a fixed point. A virtual call names the method's first
        // declaration (optim.Optimizer.step, not SGD.step), so an override that is hidden makes that declaration hidden;
        // not for modules, whose forward counts where a module is built (ForwardIsHidden).
        for (bool grew = true; grew;)
        {
            grew = false;
            foreach (var (method, callees) in calls)
                if (!hidden.Contains(method) && callees.Any(hidden.Contains)) grew = hidden.Add(method) | grew;
            foreach (var method in hidden.OfType<MethodInfo>().ToList())
                if (method.GetBaseDefinition() is var root && root != method && root.DeclaringType?.Assembly == torchSharp
                    && !typeof(torch.nn.Module).IsAssignableFrom(root.DeclaringType))
                    grew = hidden.Add(root) | grew;
        }
        return hidden;
    }

    // Building a TorchSharp module (its constructor, or a factory such as nn.BatchNorm2d) means running its forward.
    static bool ForwardIsHidden(MethodBase callee, HashSet<MethodBase> hidden)
    {
        var type = callee is ConstructorInfo c ? c.DeclaringType : callee is MethodInfo { IsStatic: true } f ? f.ReturnType : null;
        if (type is null || type.Assembly != typeof(Scalar).Assembly || !typeof(torch.nn.Module).IsAssignableFrom(type)) return false;
        for (var t = type; t is not null && t.Assembly == typeof(Scalar).Assembly; t = t.BaseType)
            if (t.GetMethods(All).Any(m => m.Name == "forward" && hidden.Contains(m))) return true;
        return false;
    }

    static bool IsBaseConstructor(MethodBase method, MethodBase callee) =>
        method is ConstructorInfo && callee is ConstructorInfo && method.DeclaringType!.IsSubclassOf(callee.DeclaringType!);

    static bool IsImplicitScalar(MethodBase m) => m.Name == "op_Implicit" && m.DeclaringType == typeof(Scalar);
    static bool IsScalarConversion(MethodBase m) => IsImplicitScalar(m) || m.Name.StartsWith("To") && m.DeclaringType == typeof(ScalarExtensionMethods) && (m as MethodInfo)?.ReturnType == typeof(Scalar);
    static bool IsScalarDispose(MethodBase m) => m.Name == "Dispose" && m.DeclaringType == typeof(Scalar);

    static MethodBase Definition(MethodBase m) => m is MethodInfo { IsGenericMethod: true } g ? g.GetGenericMethodDefinition() : m;

    static string Describe(MethodBase m) => $"{m.DeclaringType?.FullName?.Split('`')[0]}.{m.Name}({string.Join(", ", m.GetParameters().Select(p => p.ParameterType.Name))})";

    static IEnumerable<MethodBase> Methods(Assembly assembly)
    {
        Type[] types;
        try { types = assembly.GetTypes(); }
        catch (ReflectionTypeLoadException e) { types = e.Types.Where(t => t is not null).ToArray()!; }
        return types.SelectMany(t => t.GetMethods(All).Cast<MethodBase>().Concat(t.GetConstructors(All)));
    }

    // The methods a body calls (call, callvirt, newobj, ldftn), read from its IL.
    static IEnumerable<MethodBase> Callees(MethodBase method)
    {
        byte[]? il;
        try { il = method.GetMethodBody()?.GetILAsByteArray(); } catch (Exception) { yield break; }
        if (il is null) yield break;
        var typeArgs = method.DeclaringType is { IsGenericType: true } dt ? dt.GetGenericArguments() : null;
        var methodArgs = method is MethodInfo { IsGenericMethod: true } mi ? mi.GetGenericArguments() : null;
        for (int i = 0; i < il.Length;)
        {
            short value = il[i] == 0xFE ? (short)(0xFE00 | il[i + 1]) : il[i];
            i += il[i] == 0xFE ? 2 : 1;
            var op = OpCodesByValue[value];
            if (op.OperandType == OperandType.InlineMethod)
            {
                MethodBase? callee = null;
                try { callee = method.Module.ResolveMethod(BitConverter.ToInt32(il, i), typeArgs, methodArgs); } catch (Exception) { }
                if (callee is not null) yield return callee;
            }
            i += op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, i),
                _ => 4,
            };
        }
    }
}
