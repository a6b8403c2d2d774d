using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansStream.Grains.Hosting;
using OrleansStream.Samples.Processors;

// A cluster member configured like the stock silo (OrleansStream__* environment variables, see the README), which also
// registers the user's stateful processors: a query that uses them is refused on a cluster where any silo lacks them.
// Started as the stock image is ("silo" first), or without it.
var builder = Host.CreateApplicationBuilder(args is ["silo", .. var rest] ? rest : args);
builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
builder.Services.Configure<OrleansStreamOptions>(builder.Configuration.GetSection(OrleansStreamOptions.SectionName));
builder.UseOrleans(silo =>
{
    silo.UseOrleansStreamCluster(builder.Configuration);
    silo.AddOrleansStream();
    silo.AddSiloHooks(builder.Configuration);
    silo.AddStatefulProcessor<UserTotals>();
});
using var host = builder.Build();
await host.RunAsync();
