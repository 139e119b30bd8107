from ollm_actors.cli.main import main

main()
