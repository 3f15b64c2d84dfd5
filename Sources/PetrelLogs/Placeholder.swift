// PetrelLogs
