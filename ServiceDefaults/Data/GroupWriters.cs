using System.Threading.Channels;

namespace GovPlatform.ServiceDefaults.Data;

/// <summary>
/// A few writers that take queued items in groups and write each group in one transaction, so a busy queue costs one
/// commit (one WAL flush) per group instead of one per item. A writer never waits to fill a group: it takes what is
/// queued when it is free, so at low load a group is the one item that just arrived (no added latency), and under load
/// each next group takes up to <c>maxGroup</c>. A group that fails is written again one item per transaction, so a
/// deadlock between groups or one bad item fails only that item (through its message's retries and error queue, as it
/// would alone). Used by reporting's projections and intake's hot-spot detection: each item carries its own completion,
/// which <c>write</c> sets once its group has committed and the caller awaits before acknowledging its message.
/// </summary>
public sealed class GroupWriters<T> : IDisposable where T : class
{
    private readonly Channel<T> _queue = Channel.CreateUnbounded<T>();
    private readonly int _maxGroup;
    private readonly Func<IReadOnlyList<T>, Task> _write;
    private readonly Action<T, Exception> _fail;
    private readonly Action<IReadOnlyList<T>, Exception> _split;

    /// <param name="writers">How many groups are written at once.</param>
    /// <param name="maxGroup">At most this many items per transaction.</param>
    /// <param name="write">Writes a group in one transaction and completes its items once it committed.</param>
    /// <param name="fail">Completes an item whose own one-item transaction failed.</param>
    /// <param name="split">Told when a group of several failed and is about to be written one item at a time.</param>
    public GroupWriters(int writers, int maxGroup, Func<IReadOnlyList<T>, Task> write, Action<T, Exception> fail,
        Action<IReadOnlyList<T>, Exception> split)
    {
        _maxGroup = Math.Max(1, maxGroup);
        _write = write;
        _fail = fail;
        _split = split;
        for (var i = 0; i < Math.Max(1, writers); i++) _ = Task.Run(WriteAsync);
    }

    /// <summary>Queues an item for the next free writer.</summary>
    public ValueTask EnqueueAsync(T item, CancellationToken ct) => _queue.Writer.WriteAsync(item, ct);

    /// <summary>Ends the writers once the items queued so far are written (the host's shutdown).</summary>
    public void Dispose() => _queue.Writer.TryComplete();

    private async Task WriteAsync()
    {
        var reader = _queue.Reader;
        var group = new List<T>(_maxGroup);
        while (await reader.WaitToReadAsync())
        {
            group.Clear();
            while (group.Count < _maxGroup && reader.TryRead(out var next)) group.Add(next);
            if (group.Count == 0) continue;
            try
            {
                await _write(group);
            }
            catch (Exception e) when (group.Count > 1)
            {
                _split(group, e);
                foreach (var one in group)
                {
                    try { await _write([one]); }
                    catch (Exception alone) { _fail(one, alone); }
                }
            }
            catch (Exception e)
            {
                _fail(group[0], e);
            }
        }
    }
}
