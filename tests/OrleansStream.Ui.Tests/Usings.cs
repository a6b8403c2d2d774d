global using Xunit;
global using OrleansStream.Client;
global using OrleansStream.Testing;
global using OrleansStream.Interfaces.Progress;
global using OrleansStream.Interfaces.Queries;
global using static OrleansStream.Client.Functions;
