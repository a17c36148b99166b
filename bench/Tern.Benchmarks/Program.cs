using BenchmarkDotNet.Running;
using Tern.Benchmarks.InProcess;

// "scaling ..." is the multi-core run (bench/scenarios/cores.sh); anything else goes to BenchmarkDotNet.
return args is ["scaling", .. var rest] ? ScalingRun.Run(rest) : Run(args);

static int Run(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    return 0;
}
