using System.Text;
using Sluice.Cli.Posting;

namespace Sluice.Client.Tests.Cli;

public sealed class BatchKeysTests
{
    [Fact]
    public void The_same_input_gives_the_same_keys_and_a_changed_batch_changes_its_key_and_every_later_one()
    {
        string[] batches = ["{\"n\":0}\n", "{\"n\":1}\n", "{\"n\":2}\n"];

        var first = Keys("s", "", batches);
        var again = Keys("s", "", batches);
        var edited = Keys("s", "", [batches[0], "{\"n\":9}\n", batches[2]]);

        Assert.Equal(first, again);
        Assert.Equal(first[0], edited[0]);
        Assert.NotEqual(first[1], edited[1]);
        Assert.NotEqual(first[2], edited[2]);
        Assert.Empty(Keys("other", "", batches).Intersect(first));
        Assert.Empty(Keys("s", "run2", batches).Intersect(first));
        Assert.All(first, key => Assert.InRange(key.Length, 1, 128));
    }

    [Fact]
    public async Task Batches_hold_whole_lines_and_number_them_from_the_input()
    {
        var input = new MemoryStream(Encoding.UTF8.GetBytes("{\"n\":0}\n\n{\"n\":1}\n{\"n\":2}\n{\"n\":3}"));
        var batches = new List<NdjsonBatch>();

        await foreach (var batch in NdjsonBatches.ReadAsync(input, maxEvents: 2, CancellationToken.None))
        {
            batches.Add(batch);
        }

        Assert.Equal([2, 2], batches.Select(b => b.Events));
        Assert.Equal([1, 4], batches.Select(b => b.FirstLine));
        Assert.Equal("{\"n\":0}\n\n{\"n\":1}\n", Encoding.UTF8.GetString(batches[0].Body));
        Assert.Equal("{\"n\":2}\n{\"n\":3}\n", Encoding.UTF8.GetString(batches[1].Body));
        Assert.Equal(input.Length + 1, batches.Sum(b => b.InputBytes)); // each line counts its newline, the last one too
    }

    private static List<string> Keys(string stream, string run, string[] batches)
    {
        var keys = new BatchKeys(stream, run);
        return batches.Select((b, i) => keys.Next(i, Encoding.UTF8.GetBytes(b))).ToList();
    }
}
