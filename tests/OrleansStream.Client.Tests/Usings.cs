global using Xunit;
global using OrleansStream.Testing;
global using OrleansStream.Interfaces.Progress;
global using OrleansStream.Interfaces.Queries;
