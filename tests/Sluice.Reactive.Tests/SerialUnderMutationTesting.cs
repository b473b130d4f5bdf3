// Stryker.NET's per-test coverage is one process-wide list of the mutants hit since the last test ended: with
// xUnit running test classes in parallel, what one test hits is handed to whichever test ends next, or lost when
// the list is reset under it, and mutants that tests plainly exercise come back "not covered" (502 of them in the
// 30 Nov run). scripts/mutation.sh builds with SLUICE_MUTATION_RUN=1, which defines this symbol, so that under
// Stryker the tests run one at a time and every hit lands on the test that made it. ./test.sh stays parallel.
#if SLUICE_MUTATION_RUN
[assembly: CollectionBehavior(DisableTestParallelization = true)]
#endif
