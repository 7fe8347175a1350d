using Xunit;

// One test at a time: fixtures' managers are reset before each test, and the cancellation deadlines must not
// compete with other tests for the two cores.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
