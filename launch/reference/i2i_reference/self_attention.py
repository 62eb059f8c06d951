# The SAGAN self-attention block of MUNIT with self-attention (itsss/img2img_sa
# `sagan_models.py: Self_Attn`, itself heykeetae/Self-Attention-GAN's): query and key 1×1 convs
# C → C/8, value 1×1 conv C → C (all with bias), energy = queryᵀ·key over the N = H·W positions
# (no scaling), softmax over the keys, out = value·attentionᵀ, y = gamma·out + x with a scalar
# gamma initialised 0. The official block also takes an unused `activation` argument.
import torch
import torch.nn as nn


class Self_Attn(nn.Module):
    def __init__(self, in_dim):
        super().__init__()
        self.query_conv = nn.Conv2d(in_dim, in_dim // 8, 1)
        self.key_conv = nn.Conv2d(in_dim, in_dim // 8, 1)
        self.value_conv = nn.Conv2d(in_dim, in_dim, 1)
        self.gamma = nn.Parameter(torch.zeros(1))
        self.softmax = nn.Softmax(dim=-1)

    def forward(self, x):
        b, c, h, w = x.shape
        query = self.query_conv(x).view(b, -1, h * w).permute(0, 2, 1)   # [B, N, C/8]
        key = self.key_conv(x).view(b, -1, h * w)                        # [B, C/8, N]
        attention = self.softmax(torch.bmm(query, key))                  # [B, N, N]
        value = self.value_conv(x).view(b, -1, h * w)                    # [B, C, N]
        out = torch.bmm(value, attention.permute(0, 2, 1)).view(b, c, h, w)
        return self.gamma * out + x
