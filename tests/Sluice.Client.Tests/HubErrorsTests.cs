namespace Sluice.Client.Tests;

/// <summary>The hub's error messages as docs/live.md lists them, as the .NET SignalR client surfaces them.</summary>
public sealed class HubErrorsTests
{
    [Theory]
    [InlineData("An error occurred on the server while streaming results. HubException: subscriber fell behind; resume from offset 12345", 12345L)]
    [InlineData("An error occurred on the server while streaming results. HubException: subscriber fell behind; offset 7 of stream 'x' was evicted; resume from the first retained offset 100", 100L)]
    [InlineData("An error occurred on the server while streaming results. HubException: Stream 'x' was deleted.", null)]
    public void The_offset_to_resume_from_is_read_from_a_fell_behind_error(string message, long? offset)
    {
        Assert.True(HubErrors.IsAnswerToSubscribe(message));
        Assert.Equal(offset, HubErrors.ResumeOffset(HubErrors.ServiceMessage(message)));
    }

    [Fact]
    public void A_refused_start_names_the_first_retained_offset_and_is_the_hubs_answer()
    {
        const string message = "An unexpected error occurred invoking 'Subscribe' on the server. HubException: Offset 3 of stream 'x' is no longer retained; the first retained offset is 15.";

        Assert.True(HubErrors.IsAnswerToSubscribe(message));
        Assert.Equal("Offset 3 of stream 'x' is no longer retained; the first retained offset is 15.", HubErrors.ServiceMessage(message));
        Assert.Equal(15, HubErrors.FirstRetainedOffset(message));
        Assert.Null(HubErrors.ResumeOffset(message));
    }

    [Fact]
    public void A_closed_connection_is_not_an_answer_to_the_subscription()
    {
        Assert.False(HubErrors.IsAnswerToSubscribe("The server closed the connection with the following error: Connection closed with an error."));
        Assert.False(HubErrors.IsAnswerToSubscribe("Invocation canceled due to the underlying connection being closed."));
    }
}
