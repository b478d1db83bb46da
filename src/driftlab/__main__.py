from driftlab.cli.main import main

main()
