using System.Net;
using Microsoft.Extensions.Options;

namespace OrleansStream.Ui.Hosting;

/// <summary>Checks <see cref="UiOptions"/> when the silo starts, naming the environment variable at fault.</summary>
internal sealed class UiOptionsValidator : IValidateOptions<UiOptions>
{
    public ValidateOptionsResult Validate(string? name, UiOptions options)
    {
        var failures = new List<string>();
        if (!IPAddress.TryParse(options.Address, out _))
            failures.Add($"OrleansStream__Ui__Address must be an IP address such as 127.0.0.1 or 0.0.0.0, not '{options.Address}'.");
        if (options.Port is < 1 or > 65535)
            failures.Add($"OrleansStream__Ui__Port must be a TCP port (1-65535), not {options.Port}.");
        if (options.ApiKey is { } key && string.IsNullOrWhiteSpace(key))
            failures.Add("OrleansStream__Ui__ApiKey is blank: set a key, or leave it unset to refuse stopping queries from the UI.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
