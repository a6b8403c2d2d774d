global using Xunit;
global using OrleansStream.Testing;
