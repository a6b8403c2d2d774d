global using Microsoft.Extensions.Time.Testing;
global using OrleansStream.Client;
