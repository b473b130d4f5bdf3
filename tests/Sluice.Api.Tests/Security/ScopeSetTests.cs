using Sluice.Api.Auth;

namespace Sluice.Api.Tests.Security;

public sealed class ScopeSetTests
{
    [Theory]
    [InlineData("read:bid", Access.Read, "bid", true)]
    [InlineData("read:bid", Access.Read, "bids", false)]
    [InlineData("read:bid", Access.Write, "bid", false)]
    [InlineData("read:nexmark_*", Access.Read, "nexmark_q5", true)]
    [InlineData("read:nexmark_*", Access.Read, "nexmark_", true)]
    [InlineData("read:nexmark_*", Access.Read, "nexmark", false)]
    [InlineData("read:*", Access.Read, "anything", true)]
    [InlineData("write:a manage:b", Access.Manage, "b", true)]
    [InlineData("write:a manage:b", Access.Manage, "a", false)]
    [InlineData("admin", Access.Manage, "anything", true)]
    [InlineData("openid profile read:x", Access.Read, "x", true)]
    [InlineData("", Access.Read, "x", false)]
    [InlineData("read:", Access.Read, "", false)]
    [InlineData("READ:x", Access.Read, "x", false)]
    public void Allows_by_access_and_name_or_prefix(string scopes, Access access, string name, bool allowed) =>
        Assert.Equal(allowed, ScopeSet.Parse(scopes).Allows(access, name));

    [Fact]
    public void A_missing_scope_is_named_as_it_would_be_granted() =>
        Assert.Equal("manage:bid", ScopeSet.Name(Access.Manage, "bid"));
}
