from personacraft.cli import main

main()
