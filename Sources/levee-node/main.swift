import LeveeLinux
print("levee-node")
