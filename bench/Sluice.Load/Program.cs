Console.WriteLine("Sluice load tool: see docs/benchmarks.md");
return 0;
