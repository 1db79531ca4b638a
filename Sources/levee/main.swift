print("levee")
