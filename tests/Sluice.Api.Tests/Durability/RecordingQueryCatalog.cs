using Sluice.Data.Queries;

namespace Sluice.Api.Tests.Durability;

/// <summary>
/// A durable catalog in memory for tests that drive one <c>QueryRun</c> directly: it keeps the checkpoints saved and the
/// journal appended, in order, and answers the rest of the catalog with nothing (a single run uses no more of it).
/// </summary>
internal sealed class RecordingQueryCatalog : IQueryCatalog
{
    private readonly List<StoredCheckpoint> saved = [];
    private readonly List<JournalEntry> journal = [];

    public IReadOnlyList<StoredCheckpoint> Saved
    {
        get
        {
            lock (saved)
            {
                return saved.ToArray();
            }
        }
    }

    public IReadOnlyList<JournalEntry> Journal
    {
        get
        {
            lock (journal)
            {
                return journal.ToArray();
            }
        }
    }

    public bool IsDurable => true;

    public Task SaveCheckpointAsync(StoredCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        lock (saved)
        {
            saved.Add(checkpoint);
        }
        return Task.CompletedTask;
    }

    public Task<StoredCheckpoint?> LoadCheckpointAsync(string name, CancellationToken cancellationToken)
    {
        var all = Saved;
        return Task.FromResult(all.Count > 0 ? all[^1] : null);
    }

    public Task AppendJournalAsync(string name, IReadOnlyList<JournalEntry> entries, CancellationToken cancellationToken)
    {
        lock (journal)
        {
            journal.AddRange(entries);
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<JournalEntry>> ReadJournalAsync(string name, long afterSequence, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<JournalEntry>>(Journal.Where(e => e.Sequence > afterSequence).ToArray());

    public Task<IReadOnlyList<StoredQuery>> LoadAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<StoredQuery>>([]);

    public Task SaveAsync(StoredQuery query, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task ReplaceAsync(StoredQuery query, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task SetRunningAsync(string name, bool running, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task RemoveAsync(string name, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task ResetProgressAsync(string name, CancellationToken cancellationToken) => Task.CompletedTask;
}
