using OrleansStream.Silo;

// orleansstream silo | job [options] | queries list|show|stop|explain | progress <query> [--follow]; --help on each.
// The silo's host is built in SiloHost (add services there).
return await OrleansStreamCli.RunAsync(args);
