using Sluice.Reactive.Runtime.Checkpoints;
using Sluice.Reactive.Tests.Engine;

namespace Sluice.Reactive.Tests.Checkpoints;

/// <summary>The rules of the checkpoint blob's format, one test each.</summary>
public sealed class CheckpointFormatTests
{
    private const string Sql = "SELECT k, COUNT(*) AS n FROM t GROUP BY k";

    [Fact]
    public void A_newer_version_is_refused_naming_both_versions()
    {
        using var pipeline = Pipeline();
        var blob = pipeline.Checkpoint();
        var refused = Assert.Throws<CheckpointFormatException>(() => Read(blob, CheckpointFormat.Current + 1));
        Assert.Contains($"query 'q' has format version {CheckpointFormat.Current + 1}", refused.Message);
        Assert.Contains($"reads checkpoint format versions 1 to {CheckpointFormat.Current}", refused.Message);
        Assert.Throws<CheckpointFormatException>(() => Read(blob, 0));
    }

    [Fact]
    public void A_blob_whose_version_differs_from_its_row_is_refused()
    {
        using var pipeline = Pipeline();
        var blob = pipeline.Checkpoint();
        var refused = Assert.Throws<InvalidDataException>(() => Read(blob, CheckpointFormat.StatelessOnly));
        Assert.Contains($"format version {CheckpointFormat.Current} in its blob but {CheckpointFormat.StatelessOnly} in its row", refused.Message);
    }

    [Fact]
    public void A_blob_that_is_not_a_checkpoint_is_refused()
    {
        var refused = Assert.Throws<InvalidDataException>(() => Read([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], CheckpointFormat.Current));
        Assert.Contains("bad magic number", refused.Message);
    }

    [Fact]
    public void A_blob_of_another_pipeline_shape_is_refused()
    {
        using var other = new CheckpointedPipeline(QueryCompiler.Compile("SELECT k FROM t", TestShapes.Instance));
        var refused = Assert.Throws<InvalidDataException>(() => Read(other.Checkpoint(), CheckpointFormat.Current));
        Assert.Contains("operator state(s); the pipeline has", refused.Message);
    }

    [Fact]
    public void A_version_1_checkpoint_of_a_stateless_query_is_still_read()
    {
        // What the release before operator state wrote: magic, version 1, no operator.
        var version1 = CheckpointFormat.Write([]);
        BitConverter.GetBytes(CheckpointFormat.StatelessOnly).CopyTo(version1, 4);
        using var pipeline = new CheckpointedPipeline(QueryCompiler.Compile("SELECT k FROM t WHERE v > 0", TestShapes.Instance));
        pipeline.Restore(version1, CheckpointFormat.StatelessOnly);
        pipeline.Run([new Push(0, new InputEvent(0, QueryRun.At(1), ["a", 1L, null, null, null, QueryRun.At(1), null]))]);
        Assert.Single(pipeline.Rows);
    }

    [Fact]
    public void The_state_of_a_pipeline_comes_back_in_a_fresh_one()
    {
        using var pipeline = Pipeline();
        using var fresh = new CheckpointedPipeline(QueryCompiler.Compile(Sql, TestShapes.Instance));
        fresh.Restore(pipeline.Checkpoint());
        Assert.Equal(2, fresh.Stats.StateSize);
        Assert.Equal(3, fresh.Stats.EventsIn);
        fresh.Run([new Push(0, new InputEvent(3, QueryRun.At(4), ["a", 1L, null, null, null, QueryRun.At(4), null]))]);
        // The group "a" had 2 rows: its next change retracts the count 2 and inserts 3.
        Assert.Equal([ChangeOp.Delete, ChangeOp.Insert], fresh.Rows.Select(r => r.Op));
        Assert.Equal(new object?[] { "a", 2L }, fresh.Rows[0].Values);
        Assert.Equal(new object?[] { "a", 3L }, fresh.Rows[1].Values);
    }

    private static readonly string[] Keys = ["a", "b", "a"];

    private static CheckpointedPipeline Pipeline()
    {
        var pipeline = new CheckpointedPipeline(QueryCompiler.Compile(Sql, TestShapes.Instance));
        pipeline.Run(Keys.Select((k, i) => new Push(0, new InputEvent(i, QueryRun.At(i), [k, 1L, null, null, null, QueryRun.At(i), null]))));
        return pipeline;
    }

    private static void Read(byte[] blob, int version)
    {
        using var pipeline = new CheckpointedPipeline(QueryCompiler.Compile(Sql, TestShapes.Instance));
        pipeline.Restore(blob, version);
    }
}
