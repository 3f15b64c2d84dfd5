// PetrelInvoker
