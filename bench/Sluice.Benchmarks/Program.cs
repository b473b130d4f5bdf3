using BenchmarkDotNet.Running;
using Sluice.Benchmarks;
using Sluice.Benchmarks.Postgres;

// "quick [q0 q1 …]" runs the Nexmark workloads with a Stopwatch (for profiling sessions and a fast look);
// anything else goes to BenchmarkDotNet, which produces the published figures.
if (args.FirstOrDefault() == "quick")
{
    return QuickRun.Run(args[1..]);
}
if (args.FirstOrDefault() == "checkpoint-cost")
{
    return CheckpointCost.Run(args[1..]);
}
if (args.FirstOrDefault() == "codec")
{
    return CodecPathRun.Run(args[1..]);
}
if (args.FirstOrDefault() == "auth-path")
{
    return AuthPathRun.Run(args[1..]);
}
if (args.FirstOrDefault() == "postgres-append")
{
    return await PostgresAppendCost.RunAsync(args[1..]);
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
