"""app/integration"""
