using System.Security.Claims;
using Microsoft.Extensions.Time.Testing;
using Sluice.Api.Auth;
using Sluice.Api.Tests.Cluster;

namespace Sluice.Api.Tests.Security;

/// <summary>The JWTs remembered after validation: until their exp and no longer, bounded, and forgotten when the keys change.</summary>
public sealed class ValidatedTokensTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider time = new(Start);

    [Fact]
    public void A_validated_token_is_remembered_until_it_expires_and_not_after()
    {
        var tokens = new ValidatedTokens(time, currentSigningConfiguration: null);
        var principal = new ClaimsPrincipal();
        tokens.Add("t", principal, At(TimeSpan.FromMinutes(5)), tokens.Generation);
        Assert.Same(principal, tokens.Find("t"));
        Assert.Null(tokens.Find("other"));
        time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromTicks(1));
        Assert.Same(principal, tokens.Find("t"));
        time.Advance(TimeSpan.FromTicks(1));
        Assert.Null(tokens.Find("t"));
        Assert.Equal(0, tokens.Count);
    }

    [Fact]
    public void A_token_accepted_after_its_exp_within_the_clock_skew_or_without_exp_is_not_remembered()
    {
        var tokens = new ValidatedTokens(time, currentSigningConfiguration: null);
        tokens.Add("late", new ClaimsPrincipal(), At(TimeSpan.FromSeconds(-10)), tokens.Generation);
        tokens.Add("at-exp", new ClaimsPrincipal(), At(TimeSpan.Zero), tokens.Generation);
        tokens.Add("no-exp", new ClaimsPrincipal(), DateTime.MinValue, tokens.Generation);
        Assert.Null(tokens.Find("late"));
        Assert.Null(tokens.Find("at-exp"));
        Assert.Null(tokens.Find("no-exp"));
        Assert.Equal(0, tokens.Count);
    }

    [Fact]
    public void When_full_expired_tokens_make_room_first_and_otherwise_it_starts_over_so_it_never_holds_more_than_its_capacity()
    {
        var tokens = new ValidatedTokens(time, currentSigningConfiguration: null, capacity: 3);
        tokens.Add("short", new ClaimsPrincipal(), At(TimeSpan.FromMinutes(1)), tokens.Generation);
        tokens.Add("a", new ClaimsPrincipal(), At(TimeSpan.FromMinutes(10)), tokens.Generation);
        tokens.Add("b", new ClaimsPrincipal(), At(TimeSpan.FromMinutes(10)), tokens.Generation);
        Assert.Equal(3, tokens.Count);

        time.Advance(TimeSpan.FromMinutes(2));
        tokens.Add("c", new ClaimsPrincipal(), At(TimeSpan.FromMinutes(10)), tokens.Generation);
        Assert.Equal(3, tokens.Count);
        Assert.NotNull(tokens.Find("a"));
        Assert.NotNull(tokens.Find("b"));
        Assert.NotNull(tokens.Find("c"));

        // Full of live tokens: the newcomer is remembered, the others are validated again on their next request.
        tokens.Add("d", new ClaimsPrincipal(), At(TimeSpan.FromMinutes(10)), tokens.Generation);
        Assert.Equal(1, tokens.Count);
        Assert.NotNull(tokens.Find("d"));
        Assert.Null(tokens.Find("a"));

        // Re-adding a token it holds takes no room.
        tokens.Add("e", new ClaimsPrincipal(), At(TimeSpan.FromMinutes(10)), tokens.Generation);
        tokens.Add("f", new ClaimsPrincipal(), At(TimeSpan.FromMinutes(10)), tokens.Generation);
        tokens.Add("f", new ClaimsPrincipal(), At(TimeSpan.FromMinutes(10)), tokens.Generation);
        Assert.Equal(3, tokens.Count);

        for (var i = 0; i < 100; i++)
        {
            tokens.Add($"many-{i}", new ClaimsPrincipal(), At(TimeSpan.FromMinutes(10)), tokens.Generation);
            Assert.InRange(tokens.Count, 1, 3);
        }
    }

    [Fact]
    public void The_default_capacity_is_reached_and_held()
    {
        var tokens = new ValidatedTokens(time, currentSigningConfiguration: null);
        for (var i = 0; i < ValidatedTokens.DefaultCapacity; i++)
        {
            tokens.Add($"token-{i}", new ClaimsPrincipal(), At(TimeSpan.FromMinutes(5)), tokens.Generation);
        }
        Assert.Equal(ValidatedTokens.DefaultCapacity, tokens.Count);
        tokens.Add("one-more", new ClaimsPrincipal(), At(TimeSpan.FromMinutes(5)), tokens.Generation);
        Assert.InRange(tokens.Count, 1, ValidatedTokens.DefaultCapacity);
        Assert.NotNull(tokens.Find("one-more"));
    }

    [Fact]
    public void A_change_of_the_issuers_signing_configuration_forgets_every_token_within_the_check_interval()
    {
        object configuration = new();
        var calls = 0;
        var tokens = new ValidatedTokens(time, _ =>
        {
            calls++;
            return Task.FromResult<object?>(configuration);
        });
        Assert.Null(tokens.Find("t")); // the first lookup sees the configuration the tokens are validated with
        tokens.Add("t", new ClaimsPrincipal(), At(TimeSpan.FromMinutes(5)), tokens.Generation);
        Assert.NotNull(tokens.Find("t"));
        Assert.Equal(1, calls);

        configuration = new object(); // the handler fetched the issuer's metadata again: its keys may have changed
        time.Advance(ValidatedTokens.SigningKeysCheckInterval - TimeSpan.FromTicks(1));
        Assert.NotNull(tokens.Find("t"));
        Assert.Equal(1, calls);
        time.Advance(TimeSpan.FromTicks(1));
        Assert.Null(tokens.Find("t"));
        Assert.Equal(2, calls);
        Assert.Equal(0, tokens.Count);

        // The same configuration again: nothing is forgotten.
        tokens.Add("t", new ClaimsPrincipal(), At(TimeSpan.FromMinutes(5)), tokens.Generation);
        time.Advance(ValidatedTokens.SigningKeysCheckInterval);
        Assert.NotNull(tokens.Find("t"));
        Assert.Equal(3, calls);
    }

    [Fact]
    public void A_token_validated_while_the_keys_changed_is_not_remembered()
    {
        var tokens = new ValidatedTokens(time, currentSigningConfiguration: null);
        var before = tokens.Generation;
        tokens.Forget();
        tokens.Add("t", new ClaimsPrincipal(), At(TimeSpan.FromMinutes(5)), before);
        Assert.Null(tokens.Find("t"));
        tokens.Add("t", new ClaimsPrincipal(), At(TimeSpan.FromMinutes(5)), tokens.Generation);
        Assert.NotNull(tokens.Find("t"));
    }

    [Fact]
    public async Task A_configuration_still_being_fetched_is_compared_when_it_arrives_and_an_unreachable_issuer_forgets_nothing()
    {
        var first = new object();
        var next = new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var answers = new Queue<Func<Task<object?>>>([
            () => Task.FromResult<object?>(first),
            () => Task.FromException<object?>(new HttpRequestException("issuer down")),
            () => throw new InvalidOperationException("no manager"),
            () => next.Task,
        ]);
        var tokens = new ValidatedTokens(time, _ => answers.Dequeue()());
        Assert.Null(tokens.Find("t"));
        tokens.Add("t", new ClaimsPrincipal(), At(TimeSpan.FromMinutes(5)), tokens.Generation);

        time.Advance(ValidatedTokens.SigningKeysCheckInterval);
        Assert.NotNull(tokens.Find("t")); // fetch failed: keep what was validated
        time.Advance(ValidatedTokens.SigningKeysCheckInterval);
        Assert.NotNull(tokens.Find("t")); // fetch threw
        time.Advance(ValidatedTokens.SigningKeysCheckInterval);
        Assert.NotNull(tokens.Find("t")); // fetch under way: served meanwhile
        var generation = tokens.Generation;
        next.SetResult(new object());
        await ClusterNodesTests.EventuallyAsync(() => Task.FromResult(tokens.Generation != generation), "the cache was not emptied after the new signing keys arrived");
        Assert.Null(tokens.Find("t"));
    }

    private DateTime At(TimeSpan fromNow) => (time.GetUtcNow() + fromNow).UtcDateTime;
}
