# CycleGAN's training step in PyTorch, as junyanz/pytorch-CycleGAN-and-pix2pix
# `models/cycle_gan_model.py` (`optimize_parameters`) runs it with the options i2i implements
# (Sources/Models/CycleGAN.swift): LSGAN (`GANLoss('lsgan')`: MSE against 1 / 0), cycle
# λ_A = λ_B = 10, identity 0.5, Adam(2e-4, β 0.5 / 0.999) for both generators together and for
# both discriminators together, image pools of 50; and the linear learning-rate rule of
# `models/networks.py` (`get_scheduler`, lr_policy 'linear').
import random

import torch
import torch.nn as nn

from .cyclegan_networks import NLayerDiscriminator, ResnetGenerator, init_normal
from .image_pool import ImagePool


def linear_rule(n_epochs, n_epochs_decay, epoch_count=1):
    """get_scheduler's `lambda_rule` for LambdaLR: the factor after `epoch` scheduler steps
    (the official loop steps it at the start of every epoch, from epoch_count on)."""
    return lambda epoch: 1.0 - max(0, epoch + epoch_count - n_epochs) / float(n_epochs_decay + 1)


def set_requires_grad(nets, flag):
    for net in nets:
        for p in net.parameters():
            p.requires_grad_(flag)


class CycleGAN:
    """Two generators, two discriminators, their optimisers and pools, and `step`.

    The networks are built in the order G_A, G_B, D_A, D_B, converted to `dtype`, then
    initialised in that order from torch's global generator."""

    def __init__(self, ngf=64, ndf=64, n_blocks=9, n_layers_D=3, init_gain=0.02, lambda_A=10.0, lambda_B=10.0,
                 lambda_identity=0.5, lr=2e-4, beta1=0.5, beta2=0.999, pool_size=50, pool_rngs=(random, random),
                 dtype=torch.float32):
        self.G_A, self.G_B = ResnetGenerator(ngf, n_blocks), ResnetGenerator(ngf, n_blocks)
        self.D_A, self.D_B = NLayerDiscriminator(ndf, n_layers_D), NLayerDiscriminator(ndf, n_layers_D)
        self.nets = {"G_A": self.G_A, "G_B": self.G_B, "D_A": self.D_A, "D_B": self.D_B}
        for net in self.nets.values():
            net.to(dtype)
            init_normal(net, init_gain)
        self.lambda_A, self.lambda_B, self.lambda_idt = lambda_A, lambda_B, lambda_identity
        self.opt_G = torch.optim.Adam(list(self.G_A.parameters()) + list(self.G_B.parameters()), lr=lr,
                                      betas=(beta1, beta2))
        self.opt_D = torch.optim.Adam(list(self.D_A.parameters()) + list(self.D_B.parameters()), lr=lr,
                                      betas=(beta1, beta2))
        self.pool_A, self.pool_B = ImagePool(pool_size, pool_rngs[0]), ImagePool(pool_size, pool_rngs[1])
        self.mse, self.l1 = nn.MSELoss(), nn.L1Loss()

    def set_learning_rate(self, lr):
        for g in self.opt_G.param_groups + self.opt_D.param_groups:
            g["lr"] = lr

    def gan_loss(self, prediction, target_is_real):
        return self.mse(prediction, torch.full_like(prediction, 1.0 if target_is_real else 0.0))

    def discriminator_loss(self, net, real, fake):
        return (self.gan_loss(net(real), True) + self.gan_loss(net(fake.detach()), False)) * 0.5

    def step(self, real_A, real_B):
        """One `optimize_parameters`; returns the loss terms (tensors) under the official names.
        Afterwards every parameter's .grad holds its gradient of this step (the generators' from
        the generator loss, the discriminators' from their own losses)."""
        fake_B = self.G_A(real_A)
        rec_A = self.G_B(fake_B)
        fake_A = self.G_B(real_B)
        rec_B = self.G_A(fake_A)
        # G_A and G_B
        set_requires_grad([self.D_A, self.D_B], False)
        self.opt_G.zero_grad()
        idt_A = self.l1(self.G_A(real_B), real_B) * self.lambda_B * self.lambda_idt
        idt_B = self.l1(self.G_B(real_A), real_A) * self.lambda_A * self.lambda_idt
        G_A = self.gan_loss(self.D_A(fake_B), True)
        G_B = self.gan_loss(self.D_B(fake_A), True)
        cycle_A = self.l1(rec_A, real_A) * self.lambda_A
        cycle_B = self.l1(rec_B, real_B) * self.lambda_B
        loss_G = G_A + G_B + cycle_A + cycle_B + idt_A + idt_B
        loss_G.backward()
        self.opt_G.step()
        # D_A and D_B
        set_requires_grad([self.D_A, self.D_B], True)
        self.opt_D.zero_grad()
        D_A = self.discriminator_loss(self.D_A, real_B, self.pool_B.query(fake_B))
        D_A.backward()
        D_B = self.discriminator_loss(self.D_B, real_A, self.pool_A.query(fake_A))
        D_B.backward()
        self.opt_D.step()
        return dict(D_A=D_A, G_A=G_A, cycle_A=cycle_A, idt_A=idt_A, D_B=D_B, G_B=G_B, cycle_B=cycle_B, idt_B=idt_B,
                    G=loss_G)
