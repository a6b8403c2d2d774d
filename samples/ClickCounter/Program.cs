using OrleansStream.Samples.ClickCounter;

var builder = WebApplication.CreateBuilder(args);
builder.Services.Configure<ClickCounterOptions>(builder.Configuration.GetSection(ClickCounterOptions.SectionName));
builder.Services.AddSingleton<ClickPipeline>();
// Hosted services start before the server listens and stop after it: the endpoints always find the queries running.
builder.Services.AddHostedService(services => services.GetRequiredService<ClickPipeline>());
var app = builder.Build();

app.MapPost("/clicks", ClickEndpoints.PostAsync);
app.MapGet("/users/{id}/count", ClickEndpoints.GetCountAsync);
app.MapGet("/updates", ClickEndpoints.StreamUpdatesAsync);

app.Run();

/// <summary>The web application (public for WebApplicationFactory in the sample's tests).</summary>
public partial class Program;
