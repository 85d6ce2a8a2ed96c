using HeadRecon.Models;
using HeadRecon.Rendering;
using HeadRecon.Runtime;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace HeadRecon.Tests.Models;

/// <summary>
/// Device placement without a GPU: on libtorch's "meta" device tensors have shapes but no data, and an operation that
/// mixes a meta tensor with a CPU tensor of one or more dimensions (one created without the inputs' device) fails as
/// it would on CUDA. libtorch's C++ build has meta kernels for few operations (none for abs, relu, where, index_select or
/// searchsorted), so the networks, the density, the losses and the sampler's loop are left to the parity runner on a
/// GPU (tools/gpu); what runs here are the pieces built from constants: rays, the uniform samples, the positional
/// encoding with its window and the numerical-gradient stencil (forward and backward), volume rendering (forward).
/// </summary>
public class DevicePlacementTests
{
    [Fact]
    public void RaysSamplesEncodingStencilAndCompositingStayOnTheInputsDevice()
    {
        TorchRuntime.Initialize();
        var dev = META;
        const int Rays = 8;
        var uv = rand(1, Rays, 2, device: dev) * 64;
        var (dirs3, cam1) = CameraRays.Compute(uv, eye(4, device: dev).unsqueeze(0), eye(4, device: dev).unsqueeze(0) * 50);
        var dirs = dirs3.reshape(-1, 3);
        var cam = cam1.unsqueeze(1).repeat(1, Rays, 1).reshape(-1, 3);
        var z = new UniformSampler(0.1, 1.5, 16).Sample(full(Rays, 1, 0.1f, device: dev), full(Rays, 1, 1.5f, device: dev), training: true, new Generator(3));
        var points = (cam.unsqueeze(1) + z.unsqueeze(2) * dirs.unsqueeze(1)).reshape(-1, 3).detach().requires_grad_(true);

        var pe = new HeadRecon.Fields.PositionalEncoding(4) { Alpha = 0.5 }; // the window's factors too
        var w = randn(pe.OutputDims, 4, device: dev).requires_grad_(true);
        var field = pe.Encode(points).matmul(w);
        var grad = NumericalGradient.Gradient(p => pe.Encode(p).matmul(w).narrow(1, 0, 1), points, 1e-3);
        var weights = VolumeRenderer.Weights(z, field.narrow(1, 0, 1).exp());
        var rgb = VolumeRenderer.WithBackground(VolumeRenderer.Composite(weights, field.narrow(1, 1, 3).sigmoid()), weights, ones(3, device: dev));
        (field.sum() + grad.pow(2).sum()).backward(); // not through the compositing: cumsum's backward (flip) has no meta kernel

        Assert.Equal(DeviceType.META, rgb.device_type);
        Assert.Equal(DeviceType.META, grad.device_type);
        Assert.Equal(DeviceType.META, w.grad!.device_type);
        Assert.Equal(DeviceType.META, points.grad!.device_type);
    }

    [Fact]
    public void SeededDrawsAreTheSameOnEveryDeviceAndLandOnIt()
    {
        TorchRuntime.Initialize();
        var a = RandomDraws.Uniform([4, 5], new Generator(7), CPU);
        var b = rand([4, 5], generator: new Generator(7));
        Assert.True(a.allclose(b, rtol: 0, atol: 0));
        Assert.Equal(DeviceType.META, RandomDraws.Uniform([4, 5], new Generator(7), META).device_type);
        Assert.Equal(DeviceType.META, RandomDraws.Permutation(9, new Generator(7), META).device_type);
        Assert.Equal(DeviceType.META, RandomDraws.Integers(9, [3], new Generator(7), META).device_type);
        Assert.True(RandomDraws.Permutation(9, new Generator(7), CPU).eq(randperm(9, generator: new Generator(7))).all().item<bool>());
    }
}
