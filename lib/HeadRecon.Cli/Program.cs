using HeadRecon.Runtime;
TorchRuntime.Initialize();
Console.WriteLine($"ftz={TorchRuntime.FlushDenormals} threads={TorchRuntime.Threads} mxcsr={FloatingPointControl.ReadMxcsr():X}");
