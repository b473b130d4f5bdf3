using Sluice.Load;

// Load tool for a running Sluice service on loopback. Each command is bounded in time and count.
return args.FirstOrDefault() switch
{
    "ingest" => await IngestCommand.RunAsync(args[1..]),
    "nexmark" => await NexmarkCommand.RunAsync(args[1..]),
    "fanout" => await FanoutCommand.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage: dotnet run -c Release --project bench/Sluice.Load -- <command> [options]
          ingest   append pre-built batches (or single events) to a new stream and report events/s and latency
          nexmark  Nexmark q0-q2 end to end over HTTP: events/s from first append to complete query output
          fanout   N SignalR subscribers of one stream in this process: every event to every subscriber, in order, latency and CPU
        run a command with --help for its options; see docs/benchmarks.md
        """);
    return 2;
}
