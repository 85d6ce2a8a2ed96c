using HeadRecon.Runtime;
using Xunit;

namespace HeadRecon.Tests.Runtime;

public class TorchRuntimeTests
{
    [Fact]
    public void InitializeEnablesFlushToZeroAndReportsThreads()
    {
        TorchRuntime.Initialize();
        Assert.True(FloatingPointControl.IsSupported);
        Assert.True(TorchRuntime.FlushDenormals);
        Assert.True(FloatingPointControl.FlushDenormalsEnabled);
        Assert.InRange(TorchRuntime.Threads, 1, Environment.ProcessorCount);
        // A denormal input is read as zero (DAZ) and a denormal result is flushed (FTZ) on this thread.
        float tiny = 1e-39f;
        Assert.Equal(0f, tiny * 1f);
    }

    [Fact]
    public void DoctorFindsLibtorchAndTheCpuDevice()
    {
        var checks = Doctor.Run("cpu");
        Assert.Contains(checks, c => c.Name == "libtorch" && c.Ok && c.Value.StartsWith("2.10", StringComparison.Ordinal));
        Assert.Contains(checks, c => c.Name == "device" && c.Ok);
        Assert.Contains(checks, c => c.Name == "FTZ/DAZ" && c.Ok && c.Value == "on");
    }

    [Fact]
    public void AskingForCudaWithoutItFailsClearly()
    {
        if (TorchSharp.torch.cuda.is_available()) return; // a CUDA machine: nothing to check here
        var ex = Assert.Throws<InvalidOperationException>(() => TorchRuntime.ResolveDevice("cuda"));
        Assert.Contains("TorchBackend=cuda", ex.Message);
        Assert.Throws<ArgumentException>(() => TorchRuntime.ResolveDevice("tpu"));
        Assert.Equal(TorchSharp.DeviceType.CPU, TorchRuntime.ResolveDevice("auto").type);
    }
}
