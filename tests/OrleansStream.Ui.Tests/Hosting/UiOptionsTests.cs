using Microsoft.AspNetCore.Http;
using OrleansStream.Ui.Hosting;
using OrleansStream.Engine.Telemetry;
using OrleansStream.Ui.Security;

namespace OrleansStream.Ui.Tests.Hosting;

/// <summary>The UI's options and guards, without a server: bad configuration named, keys checked, secrets masked.</summary>
public sealed class UiOptionsTests
{
    [Theory]
    [InlineData("localhost", 4040, "OrleansStream__Ui__Address")]
    [InlineData("127.0.0.1", 0, "OrleansStream__Ui__Port")]
    [InlineData("127.0.0.1", 70000, "OrleansStream__Ui__Port")]
    public void Validate_NamesTheVariableAtFault(string address, int port, string variable)
    {
        var result = new UiOptionsValidator().Validate(null, new UiOptions { Address = address, Port = port });

        Assert.True(result.Failed);
        Assert.Contains(variable, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_AcceptsTheDefaultAddressWithAPort_AndRefusesABlankKey()
    {
        Assert.True(new UiOptionsValidator().Validate(null, new UiOptions { Port = 4040 }).Succeeded);
        Assert.Contains("ApiKey", new UiOptionsValidator().Validate(null, new UiOptions { Port = 4040, ApiKey = " " }).FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void StopWithoutAConfiguredKey_IsRefusedWhateverTheRequestCarries()
    {
        var context = new DefaultHttpContext();
        context.Request.Headers[ApiKeyCheck.Header] = "anything";

        var refusal = ApiKeyCheck.Refusal(context, new UiOptions { Port = 4040 });

        Assert.Equal(StatusCodes.Status403Forbidden, Assert.IsAssignableFrom<IStatusCodeHttpResult>(refusal).StatusCode);
        Assert.Null(ApiKeyCheck.Refusal(context, new UiOptions { Port = 4040, ApiKey = "anything" }));
    }

    [Theory]
    [InlineData("DefaultEndpointsProtocol=http;AccountName=dev;AccountKey=abc+/def==;BlobEndpoint=http://x", "DefaultEndpointsProtocol=http;AccountName=dev;AccountKey=***;BlobEndpoint=http://x")]
    [InlineData("https://acct.blob.core.windows.net/c/f?sv=2024&sig=AbC%2Fd&se=1", "https://acct.blob.core.windows.net/c/f?sv=2024&sig=***&se=1")]
    [InlineData("Endpoint=sb://x/;SharedAccessKeyName=root;SharedAccessKey=k3y", "Endpoint=sb://x/;SharedAccessKeyName=root;SharedAccessKey=***")]
    [InlineData("temporary/0123abc", "temporary/0123abc")]
    public void Redact_MasksTheValuesOfCredentialKeys_AndLeavesOtherTextAlone(string text, string shown) =>
        Assert.Equal(shown, SecretRedactor.Redact(text));
}
