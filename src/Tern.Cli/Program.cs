using System.CommandLine;
using Tern.Cli;

// Exit codes: 0 success, 1 runtime failure, 2 bad usage or configuration (as mosquitto and most Unix tools).
var root = new RootCommand("Tern: an MQTT 3.1 / 3.1.1 / 5.0 broker and tools.")
{
    BrokerCommand.Create(),
    PasswdCommand.Create(),
    Tern.Cli.Bench.BenchCommand.Create(),
    PubCommand.Create(),
    SubCommand.Create(),
    CtlCommand.Create(),
};

var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    foreach (var error in parse.Errors)
    {
        Console.Error.WriteLine($"tern: {error.Message}");
    }

    Console.Error.WriteLine("Run 'tern --help' for usage.");
    return ExitCodes.Usage;
}

return await parse.InvokeAsync();
