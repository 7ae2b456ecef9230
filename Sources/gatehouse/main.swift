import GatehouseCLI

await runGatehouse()
