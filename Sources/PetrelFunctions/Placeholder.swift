// PetrelFunctions
